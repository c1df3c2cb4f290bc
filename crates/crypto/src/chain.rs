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
//! hash after an edit, or cut the newest entries. Against that, the head is stored with a MAC
//! ([`head_mac`]) under a key that only the holder of the master key has: whoever writes the
//! database without it can neither move the head back to where they cut the log nor make up a
//! head for a rewritten chain ([`check_head`]). What a MAC cannot stop is putting back an older
//! head that was genuinely sealed, together with the log as it was then: only a head noted
//! elsewhere (printed by `audit verify`, written to the head file, kept with a backup) shows
//! that, and [`verify_chain`] takes such a checkpoint to start from.

use crate::keys::IndexKey;
use hmac::{Hmac, Mac};
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

/// What the head's MAC says about it: its place, its hash and when it was sealed. The domain
/// is the blind indexes' construction with a name no index uses, so the index key serves here
/// without any index ever equalling a head's MAC.
const HEAD_MAC_DOMAIN: &str = "awladna/audit-head/v1";

/// The MAC of a sealed head. The key is the blind-index key: it is wrapped by the master key like
/// the data keys, and, unlike them, never rotated, so a head sealed before a rotation stays
/// checkable after it.
pub fn head_mac(key: &IndexKey, head: &ChainHead, sealed_at_ms: i64) -> [u8; 32] {
    // HMAC accepts keys of any length: `new_from_slice` cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.bytes())
        .unwrap_or_else(|_| <Hmac<Sha256> as Mac>::new(&Default::default()));
    mac.update(HEAD_MAC_DOMAIN.as_bytes());
    mac.update(&[0]);
    mac.update(&head.seq.to_be_bytes());
    mac.update(&head.hash);
    mac.update(&sealed_at_ms.to_be_bytes());
    mac.finalize().into_bytes().into()
}

/// The head as stored: where the sealer left the chain, when, and the MAC of both (none on a
/// log that was never sealed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredHead {
    pub head: ChainHead,
    pub sealed_at_ms: i64,
    pub mac: Option<[u8; 32]>,
}

impl StoredHead {
    /// Whether the MAC is there and was made with `key` over this head.
    pub fn is_authentic(&self, key: &IndexKey) -> bool {
        self.mac.is_some_and(|mac| {
            crate::constant_time_eq(&mac, &head_mac(key, &self.head, self.sealed_at_ms))
        })
    }
}

/// Why a log whose entries chain well still cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeadMismatch {
    #[error(
        "the stored head of the audit log was not sealed with this installation's key: it was \
         written outside Awladna, or the master key file is not this database's"
    )]
    Forged,
    #[error(
        "the audit log has no sealed head although it holds {entries} entries: its seal was \
         removed outside Awladna"
    )]
    Unsealed { entries: u64 },
    #[error(
        "the audit log ends at entry {last} but its sealed head is entry {head}: entries {} to \
         {head} were deleted",
        last + 1
    )]
    Cut { last: u64, head: u64 },
    #[error(
        "the audit log goes on to entry {last} after its sealed head, entry {head}: entries {} to \
         {last} were added outside Awladna",
        head + 1
    )]
    Appended { last: u64, head: u64 },
    #[error(
        "audit entry {seq} is not the one the sealed head names: the log was rewritten up to its \
         end"
    )]
    Rewritten { seq: u64 },
}

/// Compares the end of a chain that [`verify_chain`] accepted with the stored head, whose MAC
/// must be authentic. A log that has never been sealed (no MAC) passes only while it is empty.
pub fn check_head(
    end: &ChainHead,
    stored: &StoredHead,
    key: &IndexKey,
) -> Result<(), HeadMismatch> {
    if stored.mac.is_none() {
        return if end.seq == 0 && stored.head == ChainHead::GENESIS {
            Ok(())
        } else {
            Err(HeadMismatch::Unsealed { entries: end.seq })
        };
    }
    if !stored.is_authentic(key) {
        return Err(HeadMismatch::Forged);
    }
    let head = stored.head.seq;
    if end.seq < head {
        return Err(HeadMismatch::Cut {
            last: end.seq,
            head,
        });
    }
    if end.seq > head {
        return Err(HeadMismatch::Appended {
            last: end.seq,
            head,
        });
    }
    if end.hash != stored.head.hash {
        return Err(HeadMismatch::Rewritten { seq: head });
    }
    Ok(())
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

    fn sealed(key: &IndexKey, entries: &[(u64, Vec<u8>, [u8; 32])], at: i64) -> StoredHead {
        let head = verify_chain(entries.to_vec(), ChainHead::GENESIS).unwrap();
        StoredHead {
            head,
            sealed_at_ms: at,
            mac: Some(head_mac(key, &head, at)),
        }
    }

    #[test]
    fn a_sealed_head_matches_its_chain() {
        let key = IndexKey::generate(1);
        let entries = log(6);
        let stored = sealed(&key, &entries, 1_000);
        let end = verify_chain(entries, ChainHead::GENESIS).unwrap();
        assert_eq!(check_head(&end, &stored, &key), Ok(()));
        // An empty log that was never sealed is fine; one with entries is not.
        let never = StoredHead {
            head: ChainHead::GENESIS,
            sealed_at_ms: 0,
            mac: None,
        };
        assert_eq!(check_head(&ChainHead::GENESIS, &never, &key), Ok(()));
        assert_eq!(
            check_head(&end, &never, &key),
            Err(HeadMismatch::Unsealed { entries: 6 })
        );
    }

    #[test]
    fn a_cut_log_is_named_against_its_sealed_head() {
        let key = IndexKey::generate(1);
        let entries = log(11);
        let stored = sealed(&key, &entries, 1_000);
        let end = verify_chain(entries[..8].to_vec(), ChainHead::GENESIS).unwrap();
        let err = check_head(&end, &stored, &key).unwrap_err();
        assert_eq!(err, HeadMismatch::Cut { last: 8, head: 11 });
        assert!(
            err.to_string().contains("entries 9 to 11 were deleted"),
            "{err}"
        );
    }

    #[test]
    fn a_head_moved_or_rewritten_without_the_key_is_forged() {
        let key = IndexKey::generate(1);
        let entries = log(11);
        let stored = sealed(&key, &entries, 1_000);
        let cut = verify_chain(entries[..8].to_vec(), ChainHead::GENESIS).unwrap();
        // The head moved back to where the log was cut, keeping its MAC…
        let moved = StoredHead {
            head: cut,
            ..stored
        };
        assert_eq!(check_head(&cut, &moved, &key), Err(HeadMismatch::Forged));
        // …or with a MAC made under another key.
        let other = IndexKey::generate(1);
        let remade = StoredHead {
            mac: Some(head_mac(&other, &cut, 1_000)),
            ..moved
        };
        assert_eq!(check_head(&cut, &remade, &key), Err(HeadMismatch::Forged));
        // Its time changed.
        let later = StoredHead {
            sealed_at_ms: 2_000,
            ..stored
        };
        let end = verify_chain(entries.clone(), ChainHead::GENESIS).unwrap();
        assert_eq!(check_head(&end, &later, &key), Err(HeadMismatch::Forged));
        // Entries added after the head, or the whole chain rewritten to another end.
        let mut longer = log(12);
        let end12 = verify_chain(longer.clone(), ChainHead::GENESIS).unwrap();
        assert_eq!(
            check_head(&end12, &stored, &key),
            Err(HeadMismatch::Appended { last: 12, head: 11 })
        );
        longer.truncate(11);
        longer[10].1 = b"another last entry".to_vec();
        longer[10].2 = chain_hash(&longer[9].2, &longer[10].1);
        let rewritten = verify_chain(longer, ChainHead::GENESIS).unwrap();
        assert_eq!(
            check_head(&rewritten, &stored, &key),
            Err(HeadMismatch::Rewritten { seq: 11 })
        );
    }

    #[test]
    fn the_head_mac_is_no_blind_index() {
        let key = IndexKey::generate(1);
        let head = ChainHead::GENESIS;
        let mac = head_mac(&key, &head, 0);
        assert_ne!(&mac[..16], &key.blind_index(HEAD_MAC_DOMAIN, "")[..]);
    }
}
