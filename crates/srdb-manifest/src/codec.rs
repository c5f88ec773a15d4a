//! Primitive encodings of version edits: LEB128 varints, fixed-width
//! little-endian integers and length-prefixed byte strings, with a reader
//! that checks every length against the bytes left before using it.

use crate::error::ManifestError;

/// Appends `v` as an unsigned LEB128 varint (1 to 10 bytes).
pub(crate) fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Appends a varint length followed by the bytes.
pub(crate) fn put_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(buf, bytes.len() as u64);
    buf.extend_from_slice(bytes);
}

/// A cursor over the bytes of one edit. Every error names the offset of the
/// field that failed.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos == self.bytes.len()
    }

    pub(crate) fn offset(&self) -> usize {
        self.pos
    }

    pub(crate) fn error_at(offset: usize, reason: impl Into<String>) -> ManifestError {
        ManifestError::MalformedEdit { offset, reason: reason.into() }
    }

    fn error(&self, reason: impl Into<String>) -> ManifestError {
        Self::error_at(self.pos, reason)
    }

    pub(crate) fn u8(&mut self, what: &str) -> Result<u8, ManifestError> {
        let b =
            *self.bytes.get(self.pos).ok_or_else(|| self.error(format!("{what} is cut off")))?;
        self.pos += 1;
        Ok(b)
    }

    pub(crate) fn fixed_i64(&mut self, what: &str) -> Result<i64, ManifestError> {
        let raw = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(raw);
        Ok(i64::from_le_bytes(a))
    }

    /// Reads an unsigned LEB128 varint, rejecting encodings longer than 10
    /// bytes or with bits past 64.
    pub(crate) fn varint(&mut self, what: &str) -> Result<u64, ManifestError> {
        let start = self.pos;
        let mut v: u64 = 0;
        for i in 0..10 {
            let b = self.u8(what)?;
            let low = u64::from(b & 0x7F);
            if i == 9 && b > 1 {
                return Err(Self::error_at(start, format!("{what} overflows 64 bits")));
            }
            v |= low << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(Self::error_at(start, format!("{what} is a varint longer than 10 bytes")))
    }

    pub(crate) fn varint_u32(&mut self, what: &str) -> Result<u32, ManifestError> {
        let start = self.pos;
        let v = self.varint(what)?;
        u32::try_from(v).map_err(|_| Self::error_at(start, format!("{what} {v} exceeds 32 bits")))
    }

    /// Reads a varint length (at most `max`) and that many bytes.
    pub(crate) fn bytes(&mut self, what: &str, max: usize) -> Result<&'a [u8], ManifestError> {
        let start = self.pos;
        let len = self.varint(what)?;
        if len > max as u64 {
            return Err(Self::error_at(
                start,
                format!("{what} claims {len} bytes, more than the limit of {max}"),
            ));
        }
        self.take(len as usize, what)
    }

    fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8], ManifestError> {
        if self.bytes.len() - self.pos < len {
            return Err(self.error(format!(
                "{what} needs {len} bytes but only {} remain",
                self.bytes.len() - self.pos
            )));
        }
        let out = &self.bytes[self.pos..self.pos + len];
        self.pos += len;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_at_every_width() {
        let values = [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX - 1, u64::MAX];
        for v in values {
            let mut buf = Vec::new();
            put_varint(&mut buf, v);
            let mut r = Reader::new(&buf);
            assert_eq!(r.varint("v").unwrap(), v);
            assert!(r.is_empty());
        }
    }

    #[test]
    fn overlong_and_overflowing_varints_are_rejected() {
        let overflow = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02];
        assert!(Reader::new(&overflow).varint("v").is_err());
        let overlong = [0x80; 11];
        assert!(Reader::new(&overlong).varint("v").is_err());
        assert!(Reader::new(&[0x80]).varint("v").is_err(), "cut off");
    }

    #[test]
    fn lengths_are_checked_before_use() {
        let mut buf = Vec::new();
        put_varint(&mut buf, 1 << 40);
        let err = Reader::new(&buf).bytes("name", usize::MAX).unwrap_err();
        assert!(err.to_string().contains("remain"), "{err}");
        let err = Reader::new(&buf).bytes("name", 10).unwrap_err();
        assert!(err.to_string().contains("limit"), "{err}");
    }
}
