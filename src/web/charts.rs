//! Small bar charts drawn as SVG on the server: no chart library, nothing downloaded. Every bar
//! is a link to the list filtered to it. Labels are escaped here, since the SVG is handed to
//! the template as markup.

/// One bar: its label, its value and where it leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: usize,
    pub href: String,
}

/// Escape text for HTML and SVG.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const ROW: usize = 22;
const LABEL: usize = 260;
const WIDTH: usize = 620;

/// A label that fits its column: a "service › component" path keeps its last part, then long
/// names are cut (the bar's tooltip has the whole).
fn short_label(label: &str) -> String {
    const FITS: usize = 36;
    let tail = match label.rsplit_once(" › ") {
        Some((_, last)) if label.chars().count() > FITS => last,
        _ => label,
    };
    if tail.chars().count() > FITS {
        format!("{}…", tail.chars().take(FITS - 1).collect::<String>())
    } else {
        tail.to_string()
    }
}

/// Horizontal bars, one per row, the label on the left and the count at the bar's end.
pub fn bars(title: &str, bars: &[Bar]) -> String {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let height = ROW * bars.len().max(1) + 8;
    let mut svg = format!(
        r#"<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">"#,
        escape(title)
    );
    if bars.is_empty() {
        svg.push_str(r#"<text x="0" y="16" class="empty">nothing yet</text>"#);
    }
    for (i, b) in bars.iter().enumerate() {
        let y = i * ROW + 4;
        let w = ((WIDTH - LABEL - 60) * b.value / max).max(1);
        let label = short_label(&b.label);
        svg.push_str(&format!(
            r#"<a href="{href}"><title>{full}: {value}</title><text x="{lx}" y="{ty}" class="label" text-anchor="end">{label}</text><rect x="{LABEL}" y="{y}" width="{w}" height="{bh}" class="bar"/><text x="{vx}" y="{ty}" class="value">{value}</text></a>"#,
            href = escape(&b.href),
            full = escape(&b.label),
            value = b.value,
            lx = LABEL - 6,
            ty = y + 13,
            label = escape(&label),
            bh = ROW - 6,
            vx = LABEL + w + 4,
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bar_links_to_its_list_and_hostile_labels_are_inert() {
        let svg = bars(
            "by institution",
            &[
                Bar {
                    label: "<script>alert(1)</script>".into(),
                    value: 3,
                    href: "/papers?institution=%3Cscript%3E&x=\"".into(),
                },
                Bar {
                    label: "Tsinghua University".into(),
                    value: 6,
                    href: "/papers?institution=Tsinghua+University".into(),
                },
            ],
        );
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains(r#"href="/papers?institution=Tsinghua+University""#));
        assert_eq!(svg.matches("<a href=").count(), 2);
        assert!(svg.contains("&quot;"));
    }

    #[test]
    fn long_labels_keep_the_component_and_are_cut_to_fit() {
        assert_eq!(
            short_label(
                "Defense agencies and commands › Defense Advanced Research Projects Agency"
            ),
            "Defense Advanced Research Projects …"
        );
        assert_eq!(
            short_label("Army › Army Research Office"),
            "Army › Army Research Office"
        );
        assert_eq!(short_label("Tsinghua University"), "Tsinghua University");
    }
}
