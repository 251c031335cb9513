//! A cursor over rdata bytes: fixed-size integers, slices, character-strings and uncompressed names, each read
//! or `None` when the bytes run out. The text layer decodes the less common record types with it, field by
//! field, without any text of its own here.

/// A cursor over rdata bytes.
pub struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    /// One byte.
    pub fn u8(&mut self) -> Option<u8> {
        let value = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(value)
    }

    /// A big-endian 16-bit number.
    pub fn u16(&mut self) -> Option<u16> {
        Some(u16::from(self.u8()?) << 8 | u16::from(self.u8()?))
    }

    /// A big-endian 32-bit number.
    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from(self.u16()?) << 16 | u32::from(self.u16()?))
    }

    /// The next `length` bytes.
    pub fn take(&mut self, length: usize) -> Option<&'a [u8]> {
        let slice = self.bytes.get(self.at..self.at + length)?;
        self.at += length;
        Some(slice)
    }

    /// Whatever is left, possibly nothing.
    pub fn rest(&mut self) -> &'a [u8] {
        let slice = &self.bytes[self.at.min(self.bytes.len())..];
        self.at = self.bytes.len();
        slice
    }

    /// A character-string: a length byte, then that many bytes.
    pub fn character_string(&mut self) -> Option<&'a [u8]> {
        let length = usize::from(self.u8()?);
        self.take(length)
    }

    /// The labels of an uncompressed name (a compression pointer or a reserved label type gives `None`).
    pub fn labels(&mut self) -> Option<Vec<&'a [u8]>> {
        let mut labels = Vec::new();
        loop {
            let length = usize::from(self.u8()?);
            if length == 0 {
                return Some(labels);
            }
            if length > 63 {
                return None;
            }
            labels.push(self.take(length)?);
        }
    }

    /// Whether every byte has been read.
    pub fn done(&self) -> bool {
        self.at == self.bytes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbers are big-endian and a read past the end gives `None`.
    #[test]
    fn reads_numbers_and_stops_at_the_end() {
        let mut cursor = Cursor::new(&[0, 1, 0, 0, 0, 2, 9, 8]);
        assert_eq!((cursor.u16(), cursor.u32()), (Some(1), Some(2)));
        assert_eq!(cursor.take(3), None);
        assert_eq!(cursor.rest(), [9, 8]);
        assert!(cursor.done());
        assert_eq!(cursor.u16(), None);
    }

    /// Names are read label by label; a pointer is not followed.
    #[test]
    fn reads_uncompressed_names_only() {
        assert_eq!(Cursor::new(b"\x01a\x02bc\x00").labels(), Some(vec![&b"a"[..], b"bc"]));
        assert_eq!(Cursor::new(b"\x00").labels(), Some(Vec::new()));
        assert_eq!(Cursor::new(&[0xc0, 12]).labels(), None);
        assert_eq!(Cursor::new(b"\x03ab").character_string(), None);
    }
}
