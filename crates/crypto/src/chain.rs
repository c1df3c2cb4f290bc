//! The audit log's hash chain.
//!
//! Each entry's hash is `SHA-256(previous hash || length of entry (u64, big-endian) || entry)`,
//! where the entry is its canonical bytes (the store's job: a fixed serialisation of the row
//! that includes its sequence number). The length prefix keeps one entry's bytes from being
//! shifted into the next. The first entry chains from a genesis head ([`ChainHead::GENESIS`]).
//!
//! [`verify_chain`] recomputes the chain and names the first bad entry: an altered entry (its
//! hash no longer matches), a deleted one (a gap in the sequence numbers, or a broken link if
//! they were renumbered), or entries out of order.
//!
//! What a chain alone cannot show: someone able to write the database could rewrite every
//! hash after an edit, or cut the newest entries. Against that, keep the head
//! ([`ChainHead`]) somewhere else too — printed by `audit verify`, sent to the logs, or in a
//! backup — and compare it, or verify from such a checkpoint ([`verify_chain`] takes the head to
//! start from).

use sha2::{Digest, Sha256};

/// Where a chain stands: the sequence number of its last entry (0 before the first) and that
/// entry's hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: [u8; 32],
}

impl ChainHead {
    /// The head of an empty log: the first entry has sequence number 1 and chains from a hash
    /// of zeros.
    pub const GENESIS: ChainHead = ChainHead {
        seq: 0,
        hash: [0; 32],
    };
}

/// The hash of an entry whose canonical bytes are `entry`, following `prev`.
pub fn chain_hash(prev: &[u8; 32], entry: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update((entry.len() as u64).to_be_bytes());
    hasher.update(entry);
    hasher.finalize().into()
}

/// Why an entry breaks the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BreakReason {
    /// The stored hash does not match the entry's content and the hash before it.
    Altered,
    /// Entries are missing before this one.
    Missing { expected: u64 },
    /// This entry's number is not after the previous one's.
    OutOfOrder { previous: u64 },
}

/// The first entry at which the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", describe(*.seq, .reason))]
pub struct ChainBreak {
    pub seq: u64,
    pub reason: BreakReason,
}

fn describe(seq: u64, reason: &BreakReason) -> String {
    match reason {
        BreakReason::Altered => format!(
            "audit entry {seq} does not match its stored hash: it, or the entry before it, was \
             altered, replaced or removed"
        ),
        BreakReason::Missing { expected } if expected + 1 == seq => {
            format!("audit entry {expected} is missing before entry {seq} (deleted or moved)")
        }
        BreakReason::Missing { expected } => format!(
            "audit entries {expected} to {} are missing before entry {seq} (deleted or moved)",
            seq - 1
        ),
        BreakReason::OutOfOrder { previous } => format!(
            "audit entry {seq} comes after entry {previous}: entries were reordered or duplicated"
        ),
    }
}

/// Checks `entries` — `(sequence number, canonical bytes, stored hash)` in the order they are
/// stored — from `from` on (usually [`ChainHead::GENESIS`]): numbers must follow one another
/// and each stored hash must be [`chain_hash`] of the previous one and the entry. Returns the
/// new head, or the first entry that breaks the chain.
pub fn verify_chain<B: AsRef<[u8]>>(
    entries: impl IntoIterator<Item = (u64, B, [u8; 32])>,
    from: ChainHead,
) -> Result<ChainHead, ChainBreak> {
    let mut head = from;
    for (seq, entry, stored) in entries {
        let expected = head.seq.saturating_add(1);
        if seq < expected {
            return Err(ChainBreak {
                seq,
                reason: BreakReason::OutOfOrder { previous: head.seq },
            });
        }
        if seq > expected {
            return Err(ChainBreak {
                seq,
                reason: BreakReason::Missing { expected },
            });
        }
        if chain_hash(&head.hash, entry.as_ref()) != stored {
            return Err(ChainBreak {
                seq,
                reason: BreakReason::Altered,
            });
        }
        head = ChainHead { seq, hash: stored };
    }
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A log of `n` entries numbered from 1, as the store would keep it.
    fn log(n: u64) -> Vec<(u64, Vec<u8>, [u8; 32])> {
        let mut prev = ChainHead::GENESIS.hash;
        (1..=n)
            .map(|seq| {
                let entry = format!("{{\"seq\":{seq},\"action\":\"child.read\",\"user\":7}}");
                let hash = chain_hash(&prev, entry.as_bytes());
                prev = hash;
                (seq, entry.into_bytes(), hash)
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies_and_gives_its_head() {
        let entries = log(5);
        let head = verify_chain(entries.clone(), ChainHead::GENESIS).unwrap();
        assert_eq!(
            head,
            ChainHead {
                seq: 5,
                hash: entries[4].2
            }
        );
        assert_eq!(
            verify_chain(Vec::<(u64, Vec<u8>, [u8; 32])>::new(), ChainHead::GENESIS).unwrap(),
            ChainHead::GENESIS
        );
        // From a checkpoint.
        let checkpoint = ChainHead {
            seq: 2,
            hash: entries[1].2,
        };
        assert_eq!(
            verify_chain(entries[2..].to_vec(), checkpoint).unwrap(),
            head
        );
    }

    #[test]
    fn length_prefix_separates_entries() {
        let g = ChainHead::GENESIS.hash;
        assert_ne!(chain_hash(&g, b"ab"), chain_hash(&g, b"a"));
        assert_ne!(
            chain_hash(&chain_hash(&g, b"a"), b"b"),
            chain_hash(&g, b"ab")
        );
    }

    #[test]
    fn altered_entry_is_named() {
        let mut entries = log(5);
        entries[2].1 = b"{\"seq\":3,\"action\":\"child.read\",\"user\":8}".to_vec();
        let err = verify_chain(entries.clone(), ChainHead::GENESIS).unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 3,
                reason: BreakReason::Altered
            }
        );
        assert!(err.to_string().contains("audit entry 3"), "{err}");

        // Its hash recomputed too: the next entry no longer links.
        entries[2].2 = chain_hash(&entries[1].2, &entries[2].1);
        let err = verify_chain(entries, ChainHead::GENESIS).unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 4,
                reason: BreakReason::Altered
            }
        );
    }

    #[test]
    fn altered_stored_hash_is_named() {
        let mut entries = log(4);
        entries[3].2[0] ^= 1;
        let err = verify_chain(entries, ChainHead::GENESIS).unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 4,
                reason: BreakReason::Altered
            }
        );
    }

    #[test]
    fn deleted_entries_are_named() {
        let mut entries = log(6);
        entries.remove(2);
        let err = verify_chain(entries.clone(), ChainHead::GENESIS).unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 4,
                reason: BreakReason::Missing { expected: 3 }
            }
        );
        assert_eq!(
            err.to_string(),
            "audit entry 3 is missing before entry 4 (deleted or moved)"
        );

        entries.remove(2);
        let err = verify_chain(entries.clone(), ChainHead::GENESIS).unwrap_err();
        assert_eq!(
            err.to_string(),
            "audit entries 3 to 4 are missing before entry 5 (deleted or moved)"
        );

        // The first entry deleted.
        let err = verify_chain(log(3)[1..].to_vec(), ChainHead::GENESIS).unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 2,
                reason: BreakReason::Missing { expected: 1 }
            }
        );

        // Deleted and the rest renumbered: the link breaks where the gap was.
        let mut renumbered = log(5);
        renumbered.remove(1);
        for (i, entry) in renumbered.iter_mut().enumerate() {
            entry.0 = i as u64 + 1;
        }
        let err = verify_chain(renumbered, ChainHead::GENESIS).unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 2,
                reason: BreakReason::Altered
            }
        );
    }

    #[test]
    fn reordered_entries_are_named() {
        let mut entries = log(5);
        entries.swap(1, 2);
        let err = verify_chain(entries, ChainHead::GENESIS).unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 3,
                reason: BreakReason::Missing { expected: 2 }
            }
        );

        // Swapped rows but kept sequence numbers in place: the links break.
        let mut entries = log(5);
        let (a, b) = (entries[1].clone(), entries[2].clone());
        entries[1] = (2, b.1, b.2);
        entries[2] = (3, a.1, a.2);
        let err = verify_chain(entries, ChainHead::GENESIS).unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 2,
                reason: BreakReason::Altered
            }
        );

        // A duplicated entry.
        let mut entries = log(3);
        entries.insert(2, entries[1].clone());
        let err = verify_chain(entries, ChainHead::GENESIS).unwrap_err();
        assert_eq!(
            err,
            ChainBreak {
                seq: 2,
                reason: BreakReason::OutOfOrder { previous: 2 }
            }
        );
        assert!(err.to_string().contains("reordered"), "{err}");
    }
}
