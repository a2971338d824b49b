//! The labels this project keeps beside the third-party sets: the per-span DoD decisions
//! made once before the text classifier was written (`dod_spans.csv`), and the texts and funder
//! assertions whose third-party label is plainly wrong, judged by reading
//! (`dod_text_noise.csv`, `funder_assertion_noise.csv`).

use super::data::FundingItem;

struct SpanLabel {
    kind: String,
    span: String,
    context: String,
    dod: bool,
}

/// The committed per-span DoD decisions (`src/eval/dod_spans.csv`).
pub struct SpanLabels {
    labels: Vec<SpanLabel>,
}

impl SpanLabels {
    pub fn embedded() -> SpanLabels {
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .from_reader(include_str!("dod_spans.csv").as_bytes());
        let labels = reader
            .deserialize::<(String, String, String, String, String, String)>()
            .map(|r| {
                let (kind, span, context, dod, _, _) = r.expect("dod_spans.csv is well formed");
                SpanLabel {
                    kind,
                    span,
                    context,
                    dod: dod == "yes",
                }
            })
            .collect();
        SpanLabels { labels }
    }

    fn label(&self, kind: &str, span: &str, text: &str) -> bool {
        self.labels
            .iter()
            .find(|l| {
                l.kind == kind
                    && l.span == span
                    && (l.context.is_empty() || text.contains(l.context.as_str()))
            })
            .is_some_and(|l| l.dod)
    }

    /// The spans of `item` labelled DoD.
    pub fn dod_spans(&self, item: &FundingItem) -> Vec<String> {
        let funders = item
            .funders
            .iter()
            .filter(|s| self.label("funder", s, &item.text));
        let grants = item
            .grants
            .iter()
            .filter(|s| self.label("grant", s, &item.text));
        funders.chain(grants).cloned().collect()
    }

    pub fn is_dod(&self, item: &FundingItem) -> bool {
        !self.dod_spans(item).is_empty()
    }
}

/// Texts whose annotation misses a DoD funder the text names (`src/eval/dod_text_noise.csv`).
pub struct TextNoise {
    rows: Vec<(String, bool, String)>,
}

impl TextNoise {
    pub fn embedded() -> TextNoise {
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .from_reader(include_str!("dod_text_noise.csv").as_bytes());
        let rows = reader
            .deserialize::<(String, String, String)>()
            .map(|r| {
                let (contains, dod, reason) = r.expect("dod_text_noise.csv is well formed");
                (contains, dod == "yes", reason)
            })
            .collect();
        TextNoise { rows }
    }

    pub fn judged(&self, text: &str) -> Option<(bool, &str)> {
        self.rows
            .iter()
            .find(|(c, _, _)| text.contains(c.as_str()))
            .map(|(_, d, r)| (*d, r.as_str()))
    }
}

/// Publisher assertions whose registry id is plainly wrong, judged by reading
/// (`src/eval/funder_assertion_noise.csv`).
pub struct NoiseLabels {
    rows: Vec<(String, String, bool, String)>,
}

impl NoiseLabels {
    pub fn embedded() -> NoiseLabels {
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .from_reader(include_str!("funder_assertion_noise.csv").as_bytes());
        let rows = reader
            .deserialize::<(String, String, String, String)>()
            .map(|r| {
                let (id, name, dod, reason) = r.expect("funder_assertion_noise.csv is well formed");
                (id, name, dod == "yes", reason)
            })
            .collect();
        NoiseLabels { rows }
    }

    pub fn judged(&self, id: &str, name: &str) -> Option<(bool, &str)> {
        self.rows
            .iter()
            .find(|(i, n, _, _)| i == id && n == name)
            .map(|(_, _, d, r)| (*d, r.as_str()))
    }
}
