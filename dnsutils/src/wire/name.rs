//! Names in a message, read by BIND's rules (`dns_name_fromwire`): label types, compression pointers that
//! must point before their previous target, and the 255-byte limit, each failure a [`Problem`]. BIND also
//! reads labels that run on past a pointer, which hickory's decoder refuses; the parser falls back to
//! [`read_name`] for those.

use crate::wire::problem::Problem;

/// Longest name in wire form.
const MAX_NAME: usize = 255;

/// Checks the name at `at` (pointers followed); returns the offset just past it in place.
pub fn check_name(message: &[u8], at: usize) -> Result<usize, Problem> {
    read_name(message, at).map(|(_, end)| end)
}

/// Reads the name at `at` as BIND's `dns_name_fromwire` does: its labels, and the offset just past it
/// in place. Each pointer must point before the previous one's target (the first before the name
/// itself), which also bounds the walk; labels may run on past a pointer (hickory refuses that).
pub fn read_name(message: &[u8], at: usize) -> Result<(Vec<Vec<u8>>, usize), Problem> {
    let (mut position, mut end, mut length, mut lowest) = (at, None, 1usize, at);
    let mut labels = Vec::new();
    loop {
        let byte = *message.get(position).ok_or(Problem::UnexpectedEnd)?;
        match byte & 0xc0 {
            0x00 if byte == 0 => return Ok((labels, end.unwrap_or(position + 1))),
            0x00 => {
                length += usize::from(byte) + 1;
                if length > MAX_NAME {
                    return Err(Problem::NameTooLong);
                }
                let label = message.get(position + 1..position + 1 + usize::from(byte));
                labels.push(label.ok_or(Problem::UnexpectedEnd)?.to_vec());
                position += usize::from(byte) + 1;
            }
            0xc0 => {
                let low = *message.get(position + 1).ok_or(Problem::UnexpectedEnd)?;
                let target = usize::from(byte & 0x3f) << 8 | usize::from(low);
                if target >= lowest {
                    return Err(Problem::BadCompressionPointer);
                }
                end.get_or_insert(position + 2);
                lowest = target;
                position = target;
            }
            _ => return Err(Problem::BadLabelType),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(tail: &[u8]) -> Vec<u8> {
        [&[0u8; 12][..], tail].concat()
    }

    /// Reserved label types, forward pointers and overruns get BIND's results.
    #[test]
    fn name_problems() {
        assert_eq!(check_name(&message(&[0x94, 1]), 12), Err(Problem::BadLabelType));
        assert_eq!(check_name(&message(&[0xc0, 12]), 12), Err(Problem::BadCompressionPointer));
        assert_eq!(check_name(&message(&[3, b'a']), 12), Err(Problem::UnexpectedEnd));
        assert_eq!(check_name(&message(&[1, b'a', 0, 0xc0, 12]), 15), Ok(17));
    }

    /// Each pointer must point before the previous target (the first before the name), as in BIND; labels
    /// read after a jump may cover the pointer itself.
    #[test]
    fn pointer_rules_are_binds() {
        assert_eq!(check_name(&message(&[3, 0, 0xc0, 12, 0xc0, 13]), 12), Err(Problem::BadCompressionPointer));
        let (labels, end) = read_name(&message(&[4, 0xc0, 12, 1, b'b', 0]), 13).expect("BIND reads it");
        assert_eq!((labels, end), (vec![vec![0xc0, 12, 1, b'b']], 15));
    }

    /// A name over 255 bytes is too long.
    #[test]
    fn long_names_are_rejected() {
        let labels: Vec<u8> = (0..5).flat_map(|_| [&[63u8][..], &[b'a'; 63]].concat()).collect();
        assert_eq!(check_name(&message(&[&labels[..], &[0]].concat()), 12), Err(Problem::NameTooLong));
    }
}
