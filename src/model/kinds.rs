//! The closed sets of words the database stores: run and source statuses, error kinds, review
//! decisions, override kinds, document kinds. Each is an enum that converts to and from its
//! stored text in exactly one place, so a typo in one file can no longer make a status that no
//! query counts.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// Declares an enum whose variants are stored as fixed words, with `as_str`, `parse`,
/// `Display` and the rusqlite conversions.
macro_rules! stored_words {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored word.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }

            /// The value of a stored word.
            pub fn parse(word: &str) -> Option<$name> {
                match word { $($word => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::Borrowed(ValueRef::Text(self.as_str().as_bytes())))
            }
        }

        /// Serialized as its stored word, as exports and JSON pages write it.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let word = value.as_str()?;
                $name::parse(word).ok_or_else(|| {
                    FromSqlError::Other(
                        format!("{word:?} is not a known {}", stringify!($name)).into(),
                    )
                })
            }
        }
    };
}

stored_words! {
    /// How a scan run (or one source within it) ended.
    pub enum RunStatus {
        /// Still going, or its process died (the next writer marks it interrupted).
        Running = "running",
        Ok = "ok",
        /// Stopped early; the next run resumes from the checkpoints.
        Incomplete = "incomplete",
        /// Stopped by Ctrl-C, SIGTERM or a kill; everything up to its last commit is kept.
        Interrupted = "interrupted",
        Failed = "failed",
    }
}

stored_words! {
    /// What kind of thing went wrong, in `scan_errors.kind`.
    pub enum ErrorKind {
        BudgetExhausted = "budget-exhausted",
        BackoffTooLong = "backoff-too-long",
        HttpStatus = "http-status",
        NotJson = "not-json",
        Decode = "decode",
        Http = "http",
        /// A record the parser could not read; its raw JSON is kept with the error.
        MalformedRecord = "malformed-record",
        /// A source returned fewer records than it announced.
        ShortCount = "short-count",
        /// A funder id the registry does not know (retired or merged).
        UnknownFunder = "unknown-funder",
        PageTruncated = "page-truncated",
        Page = "page",
        FullText = "full-text",
        Other = "other",
    }
}

stored_words! {
    /// A reviewer's decision on a flagged paper.
    pub enum ReviewStatus {
        Confirmed = "confirmed",
        Dismissed = "dismissed",
        NeedsInfo = "needs-info",
    }
}

stored_words! {
    /// What a reviewer's correction of one affiliation string changes.
    pub enum OverrideKind {
        /// Sets the region.
        Region = "region",
        /// Removes an entity-list match.
        EntityRemove = "entity-remove",
        /// Adds an entity-list match.
        EntityAdd = "entity-add",
    }
}

stored_words! {
    /// A fetched document kept with its hash, so unchanged ones are not read again.
    pub enum DocumentKind {
        EuropePmcFullText = "europepmc-fulltext",
        PublisherPage = "publisher-page",
        /// The open-access copy OpenAlex points to (`best_oa_location`): a repository's PDF
        /// or HTML page, when it is not the publisher's page.
        OpenAccessCopy = "open-access-copy",
    }
}

stored_words! {
    /// What USAspending said of an award number.
    pub enum AwardStatus {
        Found = "found",
        /// No award of any searched type has this number.
        NotFound = "not-found",
        /// Several awards have this number; the candidates are listed.
        Ambiguous = "ambiguous",
    }
}

stored_words! {
    /// What one row of `flag_evidence` is evidence of.
    #[derive(Default)]
    pub enum EvidenceKind {
        /// DoD funding: a funder record or a text passage.
        #[default]
        Dod = "dod",
        /// A China-based coauthor's affiliation.
        China = "china",
        /// A defense-linked list entry named in that affiliation.
        Entity = "entity",
        /// An author's affiliation placed in the United States.
        Us = "us",
        /// One author placed both in the US and in China on this paper.
        Dual = "dual",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_as_its_value() {
        for s in RunStatus::ALL {
            assert_eq!(RunStatus::parse(s.as_str()), Some(*s));
        }
        for k in ErrorKind::ALL {
            assert_eq!(ErrorKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(
            ReviewStatus::parse("needs-info"),
            Some(ReviewStatus::NeedsInfo)
        );
        assert_eq!(
            OverrideKind::parse("entity-add"),
            Some(OverrideKind::EntityAdd)
        );
        assert_eq!(RunStatus::parse("OK"), None, "stored words are exact");
    }

    #[test]
    fn the_database_refuses_a_word_it_does_not_know() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let ok: RunStatus = conn
            .query_row("SELECT ?1", [RunStatus::Interrupted], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, RunStatus::Interrupted);
        let bad = conn.query_row("SELECT 'finished'", [], |r| r.get::<_, RunStatus>(0));
        assert!(
            bad.unwrap_err()
                .to_string()
                .contains("not a known RunStatus")
        );
    }
}
