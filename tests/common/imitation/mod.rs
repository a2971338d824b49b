//! A local imitation of Crossref and OpenAlex serving a generated corpus, with their limits
//! enforced: a sliding one-second request window and an in-flight cap per server; a request over
//! either is answered 429 and counted as a violation. Used by `tests/imitation.rs` and by
//! `cargo run --example imitation` (to try the tool by hand, as a new user would).
//!
//! The corpus is built from real shapes: Crossref items as the funder route returns them
//! (`funder[].DOI/name/award`, `author[].affiliation[].name`), OpenAlex works as the 2026 API
//! returns them (`authorships[].institutions[].country_code`, `countries`, raw strings,
//! `funders[]`). Affiliations are composed from institutions whose country is known, so every
//! work has a ground truth; the traps (China Lake, Taiwan "Republic of China", PLA universities
//! as funders, look-alike acronyms) are in the pools.

// Benches and the demo include this module by path, each using a part of it.
#![allow(dead_code, unused_imports)]

use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

mod cases;
mod clock;
mod corpus;
mod pdf;
mod people;
mod rng;
mod servers;
mod text;

pub use cases::*;
pub use corpus::*;
pub use pdf::*;
pub use people::*;
pub use rng::Rng;
pub use servers::*;
pub use text::*;
