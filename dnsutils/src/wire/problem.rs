//! Why BIND rejects a name, a record or a whole message: one variant per `isc_result_t` its wire parser
//! returns. The parser and the rdata checks return these; the text layer prints them in BIND's words
//! (`unexpected end of input`...), and dig's best-effort mode asks [`Problem::is_truncation`].

use hickory_proto::serialize::binary::DecodeError;

/// A reason BIND's `dns_message_parse` gives up on a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The data ends inside a field (`ISC_R_UNEXPECTEDEND`).
    UnexpectedEnd,
    /// Rdata has bytes left after its last field (`DNS_R_EXTRADATA`).
    ExtraInputData,
    /// A compression pointer points forward or loops (`DNS_R_BADPOINTER`).
    BadCompressionPointer,
    /// A label type that is reserved (`DNS_R_BADLABELTYPE`).
    BadLabelType,
    /// A name over 255 bytes (`DNS_R_NAMETOOLONG`).
    NameTooLong,
    /// Anything else wrong with the format (`DNS_R_FORMERR`).
    FormErr,
    /// A number outside its field's range (`ISC_R_RANGE`).
    OutOfRange,
    /// A field value BIND does not implement (`ISC_R_NOTIMPLEMENTED`).
    NotImplemented,
    /// An owner name the type forbids, such as a non-base32hex NSEC3 owner (`DNS_R_BADOWNERNAME`).
    BadOwnerName,
}

impl Problem {
    /// Truncation is what dig's best-effort mode recovers from (BIND's IGNORETRUNCATION).
    pub fn is_truncation(self) -> bool {
        self == Problem::UnexpectedEnd
    }
}

impl From<&DecodeError> for Problem {
    /// The problem BIND reports where hickory's decoder fails.
    fn from(error: &DecodeError) -> Problem {
        match error {
            DecodeError::InsufficientBytes => Problem::UnexpectedEnd,
            DecodeError::IncorrectRDataLengthRead { read, len, .. } if read > len => Problem::UnexpectedEnd,
            DecodeError::IncorrectRDataLengthRead { .. } => Problem::ExtraInputData,
            DecodeError::PointerNotPriorToLabel { .. } | DecodeError::LabelOverlapsWithOther { .. } => {
                Problem::BadCompressionPointer
            }
            DecodeError::LabelBytesTooLong(_) | DecodeError::UnrecognizedLabelCode(_) => Problem::BadLabelType,
            DecodeError::DomainNameTooLong(_) => Problem::NameTooLong,
            _ => Problem::FormErr,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// hickory's decode errors map to BIND's results: short reads are truncation, overlong rdata is extra data.
    #[test]
    fn decode_errors_map_to_bind_results() {
        assert_eq!(Problem::from(&DecodeError::InsufficientBytes), Problem::UnexpectedEnd);
        assert!(Problem::from(&DecodeError::InsufficientBytes).is_truncation());
        assert_eq!(Problem::from(&DecodeError::UnrecognizedLabelCode(0x40)), Problem::BadLabelType);
        assert!(!Problem::FormErr.is_truncation());
    }
}
