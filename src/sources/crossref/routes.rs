//! The cursor routes over Crossref: works of the DoD funders (by registry id, with their
//! descendants) and works whose funder entries name DoD without an id, each cut by date and,
//! for a scheduled scan, by the day Crossref indexed them.

use super::{CrossrefConfig, SELECT, parse_item, parse_page, urlencode};
use crate::model::{Source, Window, WorkRecord, digest};
use crate::sources::paging::{CursorQuery, DatedQuery, Item, ListPage};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Fields of the light pages that look for DoD funding named without a registry id.
pub const FUNDER_SELECT: &str = "DOI,funder,issued";

/// Every work of a date window that carries any funder entry (`has-funder:true`), in light
/// pages (`select=DOI,funder,issued`). Each item's funders are classified on the spot: only
/// works whose funding is DoD by name or award number — and not by a registry id, which the
/// funder route already finds — are kept, as light records whose full record is looked up
/// afterwards ([`full_records_url`]).
pub struct FundedWorks {
    pub base_url: String,
    pub rows: u32,
    pub window: Window,
    /// Only works indexed on or after this day (`from-index-date`).
    pub indexed_since: Option<chrono::NaiveDate>,
    pub key: String,
    pub dod: std::sync::Arc<crate::classify::dod::DodClassifier>,
}

impl FundedWorks {
    pub fn new(
        cfg: &CrossrefConfig,
        window: Window,
        dod: std::sync::Arc<crate::classify::dod::DodClassifier>,
    ) -> Self {
        FundedWorks {
            base_url: cfg.base().to_string(),
            rows: cfg.rows.clamp(1, 1000),
            key: window.key("has-funder", "dod-names"),
            window,
            indexed_since: None,
            dod,
        }
    }

    /// The same query for works indexed on or after `day` only, with its own checkpoint key.
    pub fn indexed_since(mut self, day: chrono::NaiveDate) -> Self {
        self.key = self
            .window
            .key("has-funder", &format!("dod-names+indexed-{day}"));
        self.indexed_since = Some(day);
        self
    }

    /// Whether a work's funder entries say DoD without a DoD registry id.
    pub fn dod_without_id(&self, rec: &WorkRecord) -> bool {
        use crate::classify::dod::Via;
        let matches: Vec<_> = rec
            .funders
            .iter()
            .flat_map(|f| self.dod.classify_funder(f))
            .collect();
        !matches.is_empty() && !matches.iter().any(|m| m.via == Via::RegistryId)
    }
}

impl CursorQuery for FundedWorks {
    fn source(&self) -> Source {
        Source::Crossref
    }

    fn key(&self) -> &str {
        &self.key
    }

    fn url(&self, cursor: &str) -> String {
        format!(
            "{}/works?filter=has-funder:true,from-pub-date:{},until-pub-date:{}{}&rows={}&select={}&cursor={}",
            self.base_url,
            self.window.from,
            self.window.to,
            indexed_filter(self.indexed_since),
            self.rows,
            urlencode(FUNDER_SELECT),
            urlencode(cursor)
        )
    }

    fn parse_page(&self, body: &[u8]) -> std::result::Result<ListPage, String> {
        parse_page(body)
    }

    fn parse_item(&self, raw: &str) -> Item {
        match parse_item(raw) {
            Ok(r) if self.dod_without_id(&r) => Item::Record(r),
            Ok(r) => Item::Skip(r.doi),
            Err(m) => Item::Malformed(m),
        }
    }

    fn scroll(&self) -> bool {
        true
    }
}

impl DatedQuery for FundedWorks {
    fn window(&self) -> Window {
        self.window
    }

    fn narrowed(&self, w: Window) -> Box<dyn DatedQuery> {
        let q = FundedWorks {
            base_url: self.base_url.clone(),
            rows: self.rows,
            key: w.key("has-funder", "dod-names"),
            window: w,
            indexed_since: None,
            dod: self.dod.clone(),
        };
        Box::new(match self.indexed_since {
            Some(d) => q.indexed_since(d),
            None => q,
        })
    }

    fn rows(&self) -> u64 {
        u64::from(self.rows)
    }
}

/// A DOI's own record (`/works/{doi}`), for a DOI that cannot go into a filter (a comma).
pub fn single_record_url(cfg: &CrossrefConfig, doi: &str) -> String {
    format!("{}/works/{}", cfg.base(), urlencode(doi))
}

/// Decode a single-record response as a page of one item.
pub fn parse_single(body: &[u8]) -> std::result::Result<ListPage, String> {
    #[derive(Deserialize)]
    struct One {
        message: Box<RawValue>,
    }
    let one: One = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    Ok(ListPage {
        items: vec![one.message],
        next_cursor: None,
        total: Some(1),
        page_size: None,
    })
}

/// The full records of up to 100 DOIs in one request (`filter=doi:a,doi:b,…`).
pub fn full_records_url(cfg: &CrossrefConfig, dois: &[String]) -> String {
    let filter = dois
        .iter()
        .map(|d| format!("doi:{d}"))
        .collect::<Vec<_>>()
        .join(",");
    format!(
        "{}/works?filter={}&rows={}&select={}",
        cfg.base(),
        urlencode(&filter),
        dois.len().clamp(1, 1000),
        urlencode(SELECT)
    )
}

/// Which funder ids a works query asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Funders {
    /// One id and every descendant the registry places under it (`/funders/{id}/works`).
    Family(String),
    /// Works naming any of these ids itself (`/works?filter=funder:a,funder:b,…`, the same
    /// filter given twice is an OR): the components the registry does not place under DoD,
    /// asked together in one query instead of one query each.
    AnyOf(Vec<String>),
}

impl Funders {
    /// The route and detail of checkpoint keys (a query of what was indexed since a day has
    /// its own).
    fn key(&self, w: &Window, indexed_since: Option<chrono::NaiveDate>) -> String {
        let since = indexed_since
            .map(|d| format!("+indexed-{d}"))
            .unwrap_or_default();
        match self {
            Funders::Family(id) => w.key("funder", &format!("{id}{since}")),
            Funders::AnyOf(ids) => w.key("funders", &format!("{}{since}", digest(&ids.join("|")))),
        }
    }
}

/// The `from-index-date` filter part, or nothing.
pub(super) fn indexed_filter(day: Option<chrono::NaiveDate>) -> String {
    day.map(|d| format!(",from-index-date:{d}"))
        .unwrap_or_default()
}

/// The works of some funders published in one date window.
pub struct FunderWorks {
    pub base_url: String,
    pub rows: u32,
    pub funders: Funders,
    pub window: Window,
    /// Only works indexed on or after this day (`from-index-date`).
    pub indexed_since: Option<chrono::NaiveDate>,
    /// Checkpoint key, named by the window.
    pub key: String,
}

impl FunderWorks {
    pub fn new(cfg: &CrossrefConfig, funders: Funders, window: Window) -> Self {
        FunderWorks {
            base_url: cfg.base().to_string(),
            rows: cfg.rows.clamp(1, 1000),
            key: funders.key(&window, None),
            funders,
            window,
            indexed_since: None,
        }
    }

    /// The same query for works indexed on or after `day` only, with its own checkpoint key.
    pub fn indexed_since(mut self, day: chrono::NaiveDate) -> Self {
        self.key = self.funders.key(&self.window, Some(day));
        self.indexed_since = Some(day);
        self
    }
}

impl CursorQuery for FunderWorks {
    fn source(&self) -> Source {
        Source::Crossref
    }

    fn key(&self) -> &str {
        &self.key
    }

    fn url(&self, cursor: &str) -> String {
        let dates = format!(
            "from-pub-date:{},until-pub-date:{}{}",
            self.window.from,
            self.window.to,
            indexed_filter(self.indexed_since)
        );
        let (path, filter) = match &self.funders {
            Funders::Family(id) => (format!("/funders/10.13039/{id}/works"), dates),
            Funders::AnyOf(ids) => {
                let any: Vec<String> = ids.iter().map(|i| format!("funder:10.13039/{i}")).collect();
                ("/works".to_string(), format!("{},{dates}", any.join(",")))
            }
        };
        format!(
            "{}{path}?filter={filter}&rows={}&select={}&cursor={}",
            self.base_url,
            self.rows,
            urlencode(SELECT),
            urlencode(cursor)
        )
    }

    fn parse_page(&self, body: &[u8]) -> std::result::Result<ListPage, String> {
        parse_page(body)
    }

    fn parse_item(&self, raw: &str) -> Item {
        match parse_item(raw) {
            Ok(r) => Item::Record(r),
            Err(m) => Item::Malformed(m),
        }
    }

    fn scroll(&self) -> bool {
        true
    }
}

impl DatedQuery for FunderWorks {
    fn window(&self) -> Window {
        self.window
    }

    fn narrowed(&self, w: Window) -> Box<dyn DatedQuery> {
        Box::new(FunderWorks::new_at(self, w))
    }

    fn rows(&self) -> u64 {
        u64::from(self.rows)
    }
}

impl FunderWorks {
    fn new_at(&self, w: Window) -> FunderWorks {
        FunderWorks {
            base_url: self.base_url.clone(),
            rows: self.rows,
            key: self.funders.key(&w, self.indexed_since),
            funders: self.funders.clone(),
            window: w,
            indexed_since: self.indexed_since,
        }
    }
}
