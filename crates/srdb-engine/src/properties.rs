//! What the engine writes into each SST file's properties: the keyspace the
//! file belongs to, so that `repair` can rebuild a lost MANIFEST from the
//! files alone.
//!
//! ```text
//! version:u8 (= 1) | keyspace id:u32le | name length:u16le | name | options
//! ```
//! `options` is the keyspace's encoded [`KeyspaceOptions`] (the rest of the
//! bytes). The layout never changes; a new one gets a new version byte.

use srdb_manifest::KeyspaceId;

use crate::options::KeyspaceOptions;

const VERSION: u8 = 1;

/// The keyspace an SST file says it belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileOwner {
    pub(crate) id: KeyspaceId,
    pub(crate) name: String,
    pub(crate) options: Vec<u8>,
}

pub(crate) fn encode(id: KeyspaceId, name: &str, opts: &KeyspaceOptions) -> Vec<u8> {
    let name_len = u16::try_from(name.len()).expect("keyspace names are at most 255 bytes");
    let options = opts.encode();
    let mut out = Vec::with_capacity(7 + name.len() + options.len());
    out.push(VERSION);
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&name_len.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(&options);
    out
}

pub(crate) fn decode(bytes: &[u8]) -> Result<FileOwner, String> {
    if bytes.first() != Some(&VERSION) || bytes.len() < 7 {
        return Err("the file does not record its keyspace (no version-1 properties)".into());
    }
    let id = u32::from_le_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
    let name_len = u16::from_le_bytes([bytes[5], bytes[6]]) as usize;
    let name = bytes.get(7..7 + name_len).ok_or("the keyspace name runs past the properties")?;
    let name = String::from_utf8(name.to_vec()).map_err(|_| "the keyspace name is not UTF-8")?;
    let options = bytes[7 + name_len..].to_vec();
    KeyspaceOptions::decode(&options)?;
    Ok(FileOwner { id, name, options })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_damage() {
        let opts = KeyspaceOptions::default();
        let bytes = encode(42, "orders", &opts);
        let owner = decode(&bytes).unwrap();
        assert_eq!((owner.id, owner.name.as_str()), (42, "orders"));
        assert_eq!(KeyspaceOptions::decode(&owner.options).unwrap(), opts);
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        assert!(decode(&[]).is_err());
    }
}
