//! The flagged list as a view: which facets are chosen, what is searched, how it is sorted and
//! which page is shown — all of it in the URL's query string, so a view can be shared,
//! bookmarked and downloaded as it is. Within a facet the values chosen are alternatives (OR);
//! facets narrow each other (AND), as in Datasette.

use crate::model::FlaggedRow;
use std::collections::HashMap;

/// The review facet's value for a paper with no decision in force.
pub const NOT_REVIEWED: &str = "not reviewed";

/// One flagged paper with the values the facets and the search read, split once.
#[derive(Debug, Clone)]
pub struct Row {
    pub row: FlaggedRow,
    pub components: Vec<String>,
    pub regions: Vec<String>,
    pub risks: Vec<String>,
    pub institutions: Vec<String>,
    pub lists: Vec<String>,
    /// Whether the entries named were listed before or after publication.
    pub listed: Vec<String>,
    /// The latest decision's word (`confirmed`, …) or `not reviewed`.
    pub review: String,
    pub scan: String,
    pub year: String,
    pub month: String,
    /// Lower-case title, DOI, venue, institutions, evidence and review note, for the search.
    haystack: String,
    /// Exact cents for sorting by money.
    pub cents: Option<i64>,
    /// Sort keys made once, so sorting 10,000 rows allocates nothing.
    tier_rank: u32,
    title_key: String,
}

fn split(s: &str, sep: &str) -> Vec<String> {
    s.split(sep)
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

impl Row {
    pub fn new(row: FlaggedRow) -> Row {
        let lists = split(&row.entity_hits, " | ")
            .into_iter()
            .filter_map(|h| h.split_once(": ").map(|(l, _)| l.to_string()))
            .fold(Vec::new(), |mut v: Vec<String>, l| {
                if !v.contains(&l) {
                    v.push(l);
                }
                v
            });
        let mut listed: Vec<String> = split(&row.entity_listed_since, " | ")
            .into_iter()
            .map(|l| {
                if l.ends_with("after publication") {
                    "after publication".to_string()
                } else if l.ends_with("before publication") {
                    "before publication".to_string()
                } else if l.contains(" of publication") {
                    "around publication".to_string()
                } else {
                    "date unknown".to_string()
                }
            })
            .collect();
        listed.sort();
        listed.dedup();
        let review = row
            .review_status
            .split_whitespace()
            .next()
            .unwrap_or(NOT_REVIEWED)
            .to_string();
        let haystack = [
            &row.title,
            &row.doi,
            &row.venue,
            &row.review_note,
            &row.china_institutions,
            &row.dod_evidence,
            &row.china_evidence,
            &row.entity_hits,
            &row.award_numbers,
        ]
        .iter()
        .map(|s| s.to_lowercase())
        .collect::<Vec<_>>()
        .join("\n");
        let cents = row
            .award_obligation_usd
            .replace('.', "")
            .parse::<i64>()
            .ok();
        Row {
            components: split(&row.dod_components, "; "),
            regions: split(&row.china_regions, "; "),
            risks: split(&row.risk, "; "),
            institutions: split(&row.china_institutions, "; "),
            lists,
            listed,
            review,
            scan: row.first_run_id.map(|r| r.to_string()).unwrap_or_default(),
            year: row.publication_date.get(..4).unwrap_or("").to_string(),
            month: row.publication_date.get(..7).unwrap_or("").to_string(),
            haystack,
            cents,
            tier_rank: row.tier.parse().unwrap_or(9),
            title_key: row.title.to_lowercase(),
            row,
        }
    }

    /// This row with another latest decision (a review recorded since the list was read).
    pub fn with_review(&self, status: &str, note: &str) -> Row {
        Row::new(FlaggedRow {
            review_status: status.to_string(),
            review_note: note.to_string(),
            ..self.row.clone()
        })
    }

    /// How two rows compare by sort key `key` (the tier when the key is unknown).
    fn compare(&self, other: &Row, key: &str) -> std::cmp::Ordering {
        let (a, b) = (&self.row, &other.row);
        match key {
            "date" => a.publication_date.cmp(&b.publication_date),
            "title" => self.title_key.cmp(&other.title_key),
            "doi" => a.doi.cmp(&b.doi),
            "review" => self.review.cmp(&other.review),
            "money" => self.cents.unwrap_or(-1).cmp(&other.cents.unwrap_or(-1)),
            "flagged" => a.first_flagged_at.cmp(&b.first_flagged_at),
            _ => self.tier_rank.cmp(&other.tier_rank),
        }
    }

    /// The values of facet `key` this row has.
    pub fn values(&self, key: &str) -> Vec<&str> {
        fn one(s: &str) -> Vec<&str> {
            if s.is_empty() { Vec::new() } else { vec![s] }
        }
        match key {
            "component" => self.components.iter().map(String::as_str).collect(),
            "region" => self.regions.iter().map(String::as_str).collect(),
            "tier" => one(&self.row.tier),
            "risk" => self.risks.iter().map(String::as_str).collect(),
            "institution" => self.institutions.iter().map(String::as_str).collect(),
            "list" => self.lists.iter().map(String::as_str).collect(),
            "listed" => self.listed.iter().map(String::as_str).collect(),
            "review" => one(&self.review),
            "dual" => vec![if self.row.dual_appointment.is_empty() {
                "no"
            } else {
                "yes"
            }],
            "repeat" => vec![if self.row.repeat_collaborator_papers.is_empty() {
                "no"
            } else {
                "yes"
            }],
            "scan" => one(&self.scan),
            "year" => one(&self.year),
            "month" => one(&self.month),
            _ => Vec::new(),
        }
    }

    fn matches(&self, words: &[String]) -> bool {
        words.iter().all(|w| self.haystack.contains(w.as_str()))
    }
}

/// A facet: its key in the URL and its label on the page.
pub struct Facet {
    pub key: &'static str,
    pub label: &'static str,
    /// Values in their own order (tiers 1, 2, 3; years newest first) rather than by count.
    pub order: Order,
}

/// How a facet's values are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// The most frequent first.
    Count,
    /// By value, as text (tier 1 before 2).
    Value,
    /// By value, the highest first (the newest year).
    ValueDesc,
}

/// The facets shown beside the list, in order. `month` filters too (the overview's chart links
/// to it) but is not listed.
pub const FACETS: &[Facet] = &[
    Facet {
        key: "tier",
        label: "Tier",
        order: Order::Value,
    },
    Facet {
        key: "review",
        label: "Review status",
        order: Order::Count,
    },
    Facet {
        key: "component",
        label: "DoD component",
        order: Order::Count,
    },
    Facet {
        key: "region",
        label: "Region",
        order: Order::Count,
    },
    Facet {
        key: "risk",
        label: "Risk",
        order: Order::Count,
    },
    Facet {
        key: "list",
        label: "Entity list",
        order: Order::Count,
    },
    Facet {
        key: "listed",
        label: "Entity listed",
        order: Order::Count,
    },
    Facet {
        key: "dual",
        label: "Dual appointment",
        order: Order::Value,
    },
    Facet {
        key: "repeat",
        label: "Repeat collaborator",
        order: Order::Value,
    },
    Facet {
        key: "institution",
        label: "China-based institution",
        order: Order::Count,
    },
    Facet {
        key: "year",
        label: "Year published",
        order: Order::ValueDesc,
    },
    Facet {
        key: "scan",
        label: "First flagged in scan",
        order: Order::ValueDesc,
    },
];

const FILTER_KEYS: &[&str] = &[
    "tier",
    "review",
    "component",
    "region",
    "risk",
    "list",
    "listed",
    "institution",
    "year",
    "scan",
    "month",
];

/// Columns the list sorts by.
pub const SORTS: &[(&str, &str)] = &[
    ("tier", "Tier"),
    ("date", "Published"),
    ("title", "Title"),
    ("doi", "DOI"),
    ("review", "Review"),
    ("money", "Awards $"),
    ("flagged", "First flagged"),
];

/// Rows per page unless the URL says otherwise.
pub const PAGE_SIZE: usize = 50;

/// One view of the list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct View {
    /// `(facet key, value)`, in the order chosen.
    pub filters: Vec<(String, String)>,
    pub q: String,
    pub sort: Option<String>,
    pub desc: bool,
    pub page: usize,
    pub per: usize,
}

impl View {
    /// The view a query string describes; unknown keys are ignored.
    pub fn parse(query: &str) -> View {
        let mut v = View {
            page: 1,
            per: PAGE_SIZE,
            ..Default::default()
        };
        for (k, val) in url::form_urlencoded::parse(query.as_bytes()) {
            let (k, val) = (k.into_owned(), val.into_owned());
            match k.as_str() {
                "q" => v.q = val.trim().to_string(),
                "sort" if SORTS.iter().any(|(s, _)| *s == val) => v.sort = Some(val),
                "dir" => v.desc = val == "desc",
                "page" => v.page = val.parse().unwrap_or(1).max(1),
                "per" => v.per = val.parse().unwrap_or(PAGE_SIZE).clamp(10, 500),
                key if FILTER_KEYS.contains(&key)
                    && !val.is_empty()
                    && !v.filters.iter().any(|(fk, fv)| *fk == k && *fv == val) =>
                {
                    v.filters.push((k, val));
                }
                _ => {}
            }
        }
        v
    }

    /// The query string of this view (empty parts left out).
    pub fn query(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.filters {
            s.append_pair(k, v);
        }
        if !self.q.is_empty() {
            s.append_pair("q", &self.q);
        }
        if let Some(sort) = &self.sort {
            s.append_pair("sort", sort);
            if self.desc {
                s.append_pair("dir", "desc");
            }
        }
        if self.per != PAGE_SIZE && self.per != 0 {
            s.append_pair("per", &self.per.to_string());
        }
        if self.page > 1 {
            s.append_pair("page", &self.page.to_string());
        }
        s.finish()
    }

    /// The same view without paging (what a download or a card's neighbours use).
    pub fn unpaged(&self) -> View {
        View {
            page: 1,
            ..self.clone()
        }
    }

    /// This view with `key = value` chosen or, when it is chosen, dropped; back to page 1.
    pub fn toggled(&self, key: &str, value: &str) -> View {
        let mut v = self.unpaged();
        if let Some(i) = v.filters.iter().position(|(k, x)| k == key && x == value) {
            v.filters.remove(i);
        } else {
            v.filters.push((key.to_string(), value.to_string()));
        }
        v
    }

    /// This view sorted by `column` (again: the other way round).
    pub fn sorted_by(&self, column: &str) -> View {
        let mut v = self.unpaged();
        if v.sort.as_deref() == Some(column) {
            v.desc = !v.desc;
        } else {
            v.sort = Some(column.to_string());
            v.desc = matches!(column, "date" | "money" | "flagged");
        }
        v
    }

    pub fn at_page(&self, page: usize) -> View {
        View {
            page: page.max(1),
            ..self.clone()
        }
    }

    pub fn is_chosen(&self, key: &str, value: &str) -> bool {
        self.filters.iter().any(|(k, v)| k == key && v == value)
    }

    /// The rows of this view, in its order (all pages).
    pub fn apply<'a, R: std::borrow::Borrow<Row>>(&self, rows: &'a [R]) -> Vec<&'a Row> {
        let words: Vec<String> = self
            .q
            .to_lowercase()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let mut by_key: HashMap<&str, Vec<&str>> = HashMap::new();
        for (k, v) in &self.filters {
            by_key.entry(k.as_str()).or_default().push(v.as_str());
        }
        let mut out: Vec<&Row> = rows
            .iter()
            .map(|r| r.borrow())
            .filter(|r| {
                by_key
                    .iter()
                    .all(|(k, chosen)| r.values(k).iter().any(|v| chosen.contains(v)))
            })
            .filter(|r| r.matches(&words))
            .collect();
        match self.sort.as_deref() {
            // The export's order: tier 1 first, newest first within a tier.
            None => out.sort_by(|a, b| {
                a.compare(b, "tier")
                    .then_with(|| b.row.publication_date.cmp(&a.row.publication_date))
                    .then_with(|| a.row.doi.cmp(&b.row.doi))
            }),
            Some(key) => {
                out.sort_by(|a, b| a.compare(b, key).then_with(|| a.row.doi.cmp(&b.row.doi)));
                if self.desc {
                    out.reverse();
                }
            }
        }
        out
    }
}

/// One value of a facet with its count among the view's rows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FacetValue {
    pub value: String,
    pub count: usize,
    pub chosen: bool,
    /// The view with this value toggled.
    pub href: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FacetCounts {
    pub key: &'static str,
    pub label: &'static str,
    pub values: Vec<FacetValue>,
    /// Values not shown (beyond the top ones).
    pub more: usize,
}

/// A value as numbers where it is one (scan 9 before scan 10), else as text.
fn natural(v: &str) -> (u64, &str) {
    (v.parse().unwrap_or(u64::MAX), v)
}

/// Each facet's values among `rows` (the view's rows), most frequent first, the chosen ones
/// always shown.
pub fn facet_counts(view: &View, rows: &[&Row], top: usize, base: &str) -> Vec<FacetCounts> {
    FACETS
        .iter()
        .map(|f| {
            let mut counts: HashMap<&str, usize> = HashMap::new();
            for r in rows {
                for v in r.values(f.key) {
                    *counts.entry(v).or_default() += 1;
                }
            }
            let mut values: Vec<(&str, usize)> = counts.into_iter().collect();
            match f.order {
                Order::Count => values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0))),
                Order::Value => values.sort_by(|a, b| natural(a.0).cmp(&natural(b.0))),
                Order::ValueDesc => values.sort_by(|a, b| natural(b.0).cmp(&natural(a.0))),
            }
            let total = values.len();
            let mut shown: Vec<(&str, usize)> = values.iter().take(top).copied().collect();
            for (k, v) in &view.filters {
                if k == f.key && !shown.iter().any(|(s, _)| s == v) {
                    let n = values
                        .iter()
                        .find(|(s, _)| s == v)
                        .map(|(_, n)| *n)
                        .unwrap_or(0);
                    shown.push((v.as_str(), n));
                }
            }
            FacetCounts {
                key: f.key,
                label: f.label,
                more: total.saturating_sub(shown.len()),
                values: shown
                    .into_iter()
                    .map(|(v, n)| FacetValue {
                        value: v.to_string(),
                        count: n,
                        chosen: view.is_chosen(f.key, v),
                        href: href(base, &view.toggled(f.key, v)),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// `base?query`, or `base` alone.
pub fn href(base: &str, view: &View) -> String {
    let q = view.query();
    if q.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{q}")
    }
}

#[cfg(test)]
mod tests;
