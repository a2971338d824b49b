//! JATS full text (Europe PMC `fullTextXML`, PMC OA): the acknowledgment and funding text that
//! states DoD funding, and the affiliations with their country element.
//!
//! Never panics on arbitrary input: malformed XML is an error value, and whatever was read
//! before it is not used.

use crate::model::UNLINKED_AUTHORS;
use quick_xml::events::{BytesStart, Event};

/// One `<award-group>`: who funded, under which award numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwardGroup {
    pub funder: String,
    /// FundRef / Funder Registry id when the group gives one.
    pub funder_id: Option<String>,
    pub awards: Vec<String>,
}

/// An `<aff>` with its id and `<country>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aff {
    pub id: Option<String>,
    pub text: String,
    pub country: Option<String>,
}

/// An author (`<contrib contrib-type="author">`) and the affiliations it points to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JatsAuthor {
    pub name: String,
    /// `rid`s of its `<xref ref-type="aff">`.
    pub aff_ids: Vec<String>,
    /// Indexes into `affiliations` of `<aff>` elements written inside the contrib.
    pub inline_affs: Vec<usize>,
}

/// What a full text says about funding and affiliations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FullText {
    pub authors: Vec<JatsAuthor>,
    /// Each `<ack>`, as text.
    pub acknowledgments: Vec<String>,
    /// Each `<funding-statement>`.
    pub funding_statements: Vec<String>,
    pub award_groups: Vec<AwardGroup>,
    pub affiliations: Vec<Aff>,
}

impl FullText {
    /// Authors with their affiliations: linked ones by id or nesting; when the text links
    /// none, every affiliation goes with a single placeholder author so none is lost.
    pub fn authors_with_affiliations(&self) -> Vec<(String, Vec<&Aff>)> {
        let mut out: Vec<(String, Vec<&Aff>)> = self
            .authors
            .iter()
            .map(|a| {
                let mut affs: Vec<&Aff> = a
                    .inline_affs
                    .iter()
                    .filter_map(|&i| self.affiliations.get(i))
                    .collect();
                for id in &a.aff_ids {
                    if let Some(f) = self
                        .affiliations
                        .iter()
                        .find(|f| f.id.as_deref() == Some(id.as_str()))
                    {
                        affs.push(f);
                    }
                }
                (a.name.clone(), affs)
            })
            .collect();
        if out.iter().all(|(_, a)| a.is_empty()) && !self.affiliations.is_empty() {
            out = vec![(
                UNLINKED_AUTHORS.to_string(),
                self.affiliations.iter().collect(),
            )];
        }
        out
    }

    /// The texts the DoD text classifier reads, with the section each came from.
    pub fn funding_texts(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        for a in &self.acknowledgments {
            out.push(("ack", a.clone()));
        }
        for f in &self.funding_statements {
            out.push(("funding-statement", f.clone()));
        }
        for g in &self.award_groups {
            let mut s = format!("Funding: {}", g.funder);
            if !g.awards.is_empty() {
                s.push_str(&format!(" under award {}", g.awards.join(", ")));
            }
            s.push('.');
            out.push(("award-group", s));
        }
        out
    }
}

/// Elements whose end separates words.
const BLOCK: &[&[u8]] = &[
    b"p",
    b"title",
    b"sec",
    b"label",
    b"break",
    b"list-item",
    b"funding-source",
    b"award-id",
    b"institution",
    b"addr-line",
    b"country",
    b"named-content",
    b"ack",
    b"aff",
];

#[derive(Default)]
struct Capture {
    text: String,
}

impl Capture {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
    fn space(&mut self) {
        if !self.text.ends_with(' ') {
            self.text.push(' ');
        }
    }
    fn take(&mut self) -> String {
        let t = std::mem::take(&mut self.text);
        t.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// Parse a JATS document.
pub fn parse(xml: &[u8]) -> Result<FullText, String> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut out = FullText::default();
    let (mut ack, mut statement, mut aff) = (0usize, 0usize, 0usize);
    let (mut group, mut source, mut award, mut country, mut label, mut inst_id) =
        (0usize, 0usize, 0usize, 0usize, 0usize, 0usize);
    let mut ack_text = Capture::default();
    let mut statement_text = Capture::default();
    let mut aff_text = Capture::default();
    let mut aff_cur = Aff::default();
    let mut group_cur = AwardGroup::default();
    let mut source_text = Capture::default();
    let mut award_text = Capture::default();
    let mut country_text = Capture::default();
    let mut id_text = Capture::default();
    // Author contribs: depth, whether an author, the name parts being read.
    let (mut contrib, mut is_author, mut name_part) = (0usize, false, 0usize);
    let mut author = JatsAuthor::default();
    let mut name_text = Capture::default();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            format!(
                "not well-formed XML at byte {}: {e}",
                reader.buffer_position()
            )
        })?;
        match event {
            Event::Empty(e)
                if contrib > 0
                    && is_author
                    && e.local_name().as_ref() == b"xref"
                    && attr(&e, b"ref-type").as_deref() == Some("aff") =>
            {
                if let Some(rid) = attr(&e, b"rid") {
                    author
                        .aff_ids
                        .extend(rid.split_whitespace().map(str::to_string));
                }
            }
            Event::Start(e) => match e.local_name().as_ref() {
                b"contrib" => {
                    contrib += 1;
                    if contrib == 1 {
                        is_author = attr(&e, b"contrib-type").is_none_or(|t| t == "author");
                        author = JatsAuthor::default();
                    }
                }
                b"xref" if contrib > 0 && is_author => {
                    if attr(&e, b"ref-type").as_deref() == Some("aff")
                        && let Some(rid) = attr(&e, b"rid")
                    {
                        author
                            .aff_ids
                            .extend(rid.split_whitespace().map(str::to_string));
                    }
                    label += 1;
                }
                b"surname" | b"given-names" if contrib > 0 => name_part += 1,
                b"ack" => ack += 1,
                b"funding-statement" => statement += 1,
                b"aff" => {
                    aff += 1;
                    if aff == 1 {
                        aff_cur = Aff {
                            id: attr(&e, b"id"),
                            ..Default::default()
                        };
                    }
                }
                b"award-group" => {
                    group += 1;
                    if group == 1 {
                        group_cur = AwardGroup::default();
                    }
                }
                b"funding-source" => source += 1,
                b"award-id" => award += 1,
                b"country" => country += 1,
                b"label" => label += 1,
                b"institution-id" => inst_id += 1,
                b"title" if ack > 0 => label += 1,
                _ => {}
            },
            Event::End(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if BLOCK.contains(&name) {
                    ack_text.space();
                    statement_text.space();
                    aff_text.space();
                }
                match name {
                    b"xref" if contrib > 0 && is_author && label > 0 => label -= 1,
                    b"surname" | b"given-names" if name_part > 0 => {
                        name_part -= 1;
                        name_text.space();
                    }
                    b"contrib" if contrib > 0 => {
                        contrib -= 1;
                        if contrib == 0 && is_author {
                            // "Hughes Jessica R" → "Jessica R Hughes"
                            let parts = name_text.take();
                            author.name = match parts.split_once(' ') {
                                Some((surname, given)) => format!("{given} {surname}"),
                                None => parts,
                            };
                            if !author.name.is_empty() {
                                out.authors.push(std::mem::take(&mut author));
                            }
                        }
                        name_text = Capture::default();
                    }
                    b"ack" if ack > 0 => {
                        ack -= 1;
                        if ack == 0 {
                            let t = ack_text.take();
                            if !t.is_empty() {
                                out.acknowledgments.push(t);
                            }
                        }
                    }
                    b"funding-statement" if statement > 0 => {
                        statement -= 1;
                        if statement == 0 {
                            let t = statement_text.take();
                            if !t.is_empty() {
                                out.funding_statements.push(t);
                            }
                        }
                    }
                    b"aff" if aff > 0 => {
                        aff -= 1;
                        if aff == 0 {
                            aff_cur.text = aff_text.take();
                            let c = country_text.take();
                            aff_cur.country = (!c.is_empty()).then_some(c);
                            if !aff_cur.text.is_empty() && (contrib == 0 || is_author) {
                                if contrib > 0 {
                                    author.inline_affs.push(out.affiliations.len());
                                }
                                out.affiliations.push(std::mem::take(&mut aff_cur));
                            }
                        }
                    }
                    b"funding-source" if source > 0 => {
                        source -= 1;
                        if source == 0 {
                            let t = source_text.take();
                            if !t.is_empty() {
                                if !group_cur.funder.is_empty() {
                                    group_cur.funder.push_str("; ");
                                }
                                group_cur.funder.push_str(&t);
                            }
                        }
                    }
                    b"award-id" if award > 0 => {
                        award -= 1;
                        if award == 0 {
                            let t = award_text.take();
                            if !t.is_empty() {
                                group_cur.awards.push(t);
                            }
                        }
                    }
                    b"institution-id" if inst_id > 0 => {
                        inst_id -= 1;
                        let t = id_text.take();
                        if !t.is_empty() && group > 0 {
                            group_cur.funder_id = Some(t);
                        }
                    }
                    b"award-group" if group > 0 => {
                        group -= 1;
                        if group == 0 && !group_cur.funder.is_empty() {
                            out.award_groups.push(std::mem::take(&mut group_cur));
                        }
                    }
                    b"country" if country > 0 => country -= 1,
                    b"label" | b"title" if label > 0 => label -= 1,
                    _ => {}
                }
            }
            Event::Text(t) => {
                let s = t.decode().map_err(|e| e.to_string())?;
                if name_part > 0 {
                    name_text.push(&s);
                }
                feed(
                    &s,
                    (ack, statement, aff, source, award, country, label, inst_id),
                    (
                        &mut ack_text,
                        &mut statement_text,
                        &mut aff_text,
                        &mut source_text,
                        &mut award_text,
                        &mut country_text,
                        &mut id_text,
                    ),
                );
            }
            Event::CData(t) => {
                let s = String::from_utf8_lossy(&t).into_owned();
                feed(
                    &s,
                    (ack, statement, aff, source, award, country, label, inst_id),
                    (
                        &mut ack_text,
                        &mut statement_text,
                        &mut aff_text,
                        &mut source_text,
                        &mut award_text,
                        &mut country_text,
                        &mut id_text,
                    ),
                );
            }
            Event::GeneralRef(r) => {
                let s = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => match &*r {
                        b"amp" => "&".into(),
                        b"lt" => "<".into(),
                        b"gt" => ">".into(),
                        b"quot" => "\"".into(),
                        b"apos" => "'".into(),
                        _ => " ".into(),
                    },
                };
                feed(
                    &s,
                    (ack, statement, aff, source, award, country, label, inst_id),
                    (
                        &mut ack_text,
                        &mut statement_text,
                        &mut aff_text,
                        &mut source_text,
                        &mut award_text,
                        &mut country_text,
                        &mut id_text,
                    ),
                );
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

type Depths = (usize, usize, usize, usize, usize, usize, usize, usize);
type Sinks<'a> = (
    &'a mut Capture,
    &'a mut Capture,
    &'a mut Capture,
    &'a mut Capture,
    &'a mut Capture,
    &'a mut Capture,
    &'a mut Capture,
);

/// Route a piece of text to every open capture.
fn feed(s: &str, d: Depths, sinks: Sinks<'_>) {
    let (ack, statement, aff, source, award, country, label, inst_id) = d;
    let (ack_t, statement_t, aff_t, source_t, award_t, country_t, id_t) = sinks;
    if inst_id > 0 {
        id_t.push(s);
        return;
    }
    if ack > 0 && label == 0 {
        ack_t.push(s);
    }
    if statement > 0 {
        statement_t.push(s);
    }
    if aff > 0 && label == 0 {
        aff_t.push(s);
    }
    if source > 0 {
        source_t.push(s);
    }
    if award > 0 {
        award_t.push(s);
    }
    if country > 0 {
        country_t.push(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elife_award_groups_acknowledgments_and_affiliations_are_read() {
        let ft = parse(include_bytes!("../../tests/fixtures/jats/elife06003.xml")).unwrap();
        assert_eq!(ft.award_groups.len(), 4, "{:?}", ft.award_groups);
        assert!(ft.award_groups.iter().all(|g| !g.funder.is_empty()));
        assert!(ft.award_groups.iter().any(|g| {
            g.funder_id
                .as_deref()
                .is_some_and(|i| i.contains("10.13039"))
        }));
        assert!(!ft.funding_statements.is_empty());
        assert!(ft.affiliations.iter().any(|a| a.country.is_some()));
    }

    #[test]
    fn authors_are_linked_to_their_affiliations_and_editors_left_out() {
        let ft = parse(include_bytes!("../../tests/fixtures/jats/elife06003.xml")).unwrap();
        assert_eq!(ft.authors.len(), 6, "{:?}", ft.authors);
        assert_eq!(ft.authors[0].name, "Jessica R Hughes");
        assert_eq!(ft.authors[0].aff_ids, ["aff1", "aff2"]);
        let linked = ft.authors_with_affiliations();
        assert!(linked[0].1[0].text.contains("University of Wollongong"));
        assert_eq!(linked[0].1[0].country.as_deref(), Some("Australia"));
        assert!(
            !linked[0].1[0].text.starts_with('1'),
            "labels are not part of the text"
        );
        // The reviewing editor's affiliation (Johns Hopkins) is not an author's.
        assert!(
            ft.affiliations
                .iter()
                .all(|a| !a.text.contains("Johns Hopkins"))
        );
    }

    #[test]
    fn plant_defense_in_an_acknowledgment_is_not_dod() {
        let ft = parse(include_bytes!("../../tests/fixtures/jats/elife04490.xml")).unwrap();
        assert!(!ft.acknowledgments.is_empty());
        let dod = crate::classify::dod::DodClassifier::new();
        for (_, text) in ft.funding_texts() {
            assert!(!dod.classify_text(&text).dod, "{text}");
        }
    }

    #[test]
    fn malformed_xml_is_an_error_not_a_panic() {
        for bad in [
            &b"<article><ack><p>cut"[..],
            b"\xff\xfe<<<",
            b"<a></b>",
            b"",
            b"<article><ack><p>x</p></ack><!-- ",
        ] {
            let _ = parse(bad);
        }
        assert!(parse(b"<article><ack><p>x &bogus; y</p></ack></article>").is_ok());
    }

    #[test]
    fn dod_funding_stated_only_in_the_acknowledgment_is_found() {
        let ft = parse(include_bytes!(
            "../../tests/fixtures/jats/dod_ack.synthetic.xml"
        ))
        .unwrap();
        let dod = crate::classify::dod::DodClassifier::new();
        let found: Vec<_> = ft
            .funding_texts()
            .into_iter()
            .filter(|(_, t)| dod.classify_text(t).dod)
            .collect();
        assert_eq!(found.len(), 1, "{ft:?}");
        assert_eq!(found[0].0, "ack");
        assert!(found[0].1.contains("N00014-21-1-2345"));
        assert!(
            ft.affiliations
                .iter()
                .any(|a| a.country.as_deref() == Some("China"))
        );
    }
}
