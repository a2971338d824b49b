//! The cursor routes over OpenAlex: discovery (DoD funders × authors placed in China) and the
//! China-linked sweep of a window.

use super::{OpenAlexConfig, SELECT, SWEEP_PAGE, enc, parse_page, parse_work};
use crate::error::Result;
use crate::model::Source;
use crate::sources::http::{Endpoint, HttpClient};
use crate::sources::paging::{CursorQuery, Item, ListPage};

/// Discovery: works in the window with one of `funder_ids` and an author in `countries`.
pub struct Discovery<'a> {
    pub cfg: &'a OpenAlexConfig,
    pub funder_ids: Vec<String>,
    /// `CN|HK|MO`, or `CN` for mainland only.
    pub countries: &'a str,
    pub from: String,
    pub to: String,
    pub key: String,
}

impl CursorQuery for Discovery<'_> {
    fn source(&self) -> Source {
        Source::OpenAlex
    }

    fn key(&self) -> &str {
        &self.key
    }

    fn url(&self, cursor: &str) -> String {
        let filter = format!(
            "funders.id:{},authorships.countries:{},from_publication_date:{},to_publication_date:{}",
            self.funder_ids.join("|"),
            self.countries,
            self.from,
            self.to
        );
        self.cfg.url(&format!(
            "/works?filter={}&per_page=100&select={}&cursor={}",
            enc(&filter),
            SELECT,
            enc(cursor)
        ))
    }

    fn parse_page(&self, body: &[u8]) -> std::result::Result<ListPage, String> {
        parse_page(body)
    }

    fn parse_item(&self, raw: &str) -> Item {
        work_item(raw)
    }
}

/// The China-linked sweep: every work of the window with an author placed in `countries`,
/// whatever its metadata says of funding. Works whose DoD funding only their acknowledgment
/// states are among these and no index marks them; the acknowledgment stage reads them.
pub struct Sweep<'a> {
    pub cfg: &'a OpenAlexConfig,
    /// `CN|HK|MO`, or `CN` for mainland only.
    pub countries: &'a str,
    pub from: String,
    pub to: String,
    pub key: String,
}

impl Sweep<'_> {
    fn filter(&self) -> String {
        format!(
            "authorships.countries:{},from_publication_date:{},to_publication_date:{}",
            self.countries, self.from, self.to
        )
    }

    /// How many works the sweep holds (one request of one result), so that its cost can be
    /// said before it runs.
    pub async fn count(&self, http: &HttpClient, ep: &Endpoint) -> Result<u64> {
        let url = self.cfg.url(&format!(
            "/works?filter={}&per_page=1&select=id",
            enc(&self.filter())
        ));
        let (_, n) = http
            .get_json(ep, &url, |b| {
                let v: serde_json::Value = serde_json::from_slice(b).map_err(|e| e.to_string())?;
                v["meta"]["count"]
                    .as_u64()
                    .ok_or_else(|| "no meta.count in the answer".to_string())
            })
            .await?;
        Ok(n)
    }
}

impl CursorQuery for Sweep<'_> {
    fn source(&self) -> Source {
        Source::OpenAlex
    }

    fn key(&self) -> &str {
        &self.key
    }

    fn url(&self, cursor: &str) -> String {
        self.cfg.url(&format!(
            "/works?filter={}&per_page={SWEEP_PAGE}&select={}&cursor={}",
            enc(&self.filter()),
            SELECT,
            enc(cursor)
        ))
    }

    fn parse_page(&self, body: &[u8]) -> std::result::Result<ListPage, String> {
        parse_page(body)
    }

    fn parse_item(&self, raw: &str) -> Item {
        work_item(raw)
    }
}

/// One work of a list page, or why it could not be read (kept as malformed, never dropped).
fn work_item(raw: &str) -> Item {
    match parse_work(raw) {
        Ok(r) => Item::Record(r),
        Err(m) => Item::Malformed(m),
    }
}
