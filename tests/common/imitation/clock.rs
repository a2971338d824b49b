//! The imitation's clock: what each source has on a given day (late registrations, funding
//! deposited later, OpenAlex and Europe PMC indexing late).

use super::*;

impl Corpus {
    pub fn today(&self) -> Option<String> {
        self.clock.lock().unwrap().clone()
    }

    /// Set the imitation's today.
    pub fn set_today(&self, day: &str) {
        *self.clock.lock().unwrap() = Some(day.to_string());
    }

    /// Whether the indexes know the work today.
    pub fn visible(&self, w: &SynthWork) -> bool {
        self.arrived(w, |l| Some(&l.registered))
    }

    /// Whether OpenAlex has the work today.
    pub fn in_openalex(&self, w: &SynthWork) -> bool {
        self.visible(w) && self.arrived(w, |l| l.openalex.as_ref())
    }

    /// Whether Europe PMC has the work's full text today.
    pub fn full_text_ready(&self, w: &SynthWork) -> bool {
        self.visible(w) && self.arrived(w, |l| l.full_text.as_ref())
    }

    /// Whether the day `when` picks out of the work's `Late` (none: it was always there) has
    /// come; without a clock everything has.
    pub fn arrived(&self, w: &SynthWork, when: impl Fn(&Late) -> Option<&String>) -> bool {
        match (self.today(), self.late.get(&w.doi).and_then(when)) {
            (Some(today), Some(day)) => *day <= today,
            _ => true,
        }
    }

    /// Make every fifth work registered 20–80 days after publication, and every fourth
    /// DoD-funded one get its funding deposited 30–90 days after registration: what the
    /// scheduled-scan test and benchmark replay. Returns how many of each.
    pub fn make_late(&mut self) -> (usize, usize) {
        let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let (mut late, mut late_funding) = (0, 0);
        for (i, w) in self.works.iter().enumerate() {
            let published = day(&w.date);
            let registered = if i % 5 == 0 {
                published + chrono::Days::new(20 + (i as u64 * 7) % 60)
            } else {
                published
            };
            let funding = ((w.crossref_dod || w.openalex_dod) && i % 4 == 1)
                .then(|| registered + chrono::Days::new(30 + (i as u64 * 13) % 60));
            late += usize::from(registered != published);
            late_funding += usize::from(funding.is_some());
            if registered != published || funding.is_some() {
                self.late.insert(
                    w.doi.clone(),
                    Late {
                        registered: registered.to_string(),
                        funding: funding.map(|d| d.to_string()),
                        openalex: None,
                        full_text: None,
                    },
                );
            }
        }
        (late, late_funding)
    }

    pub fn funding_missing(&self, w: &SynthWork) -> bool {
        match (self.today(), self.late.get(&w.doi)) {
            (
                Some(today),
                Some(Late {
                    funding: Some(f), ..
                }),
            ) => *f > today,
            _ => false,
        }
    }

    /// The day the work's records were last indexed, as of today (a work that is not late
    /// was indexed on its publication day).
    pub fn index_date(&self, w: &SynthWork) -> String {
        let Some(l) = self.late.get(&w.doi) else {
            return w.date.clone();
        };
        let today = self.today().unwrap_or_else(|| "9999-12-31".into());
        match &l.funding {
            Some(f) if *f <= today && *f > l.registered => f.clone(),
            _ => l.registered.clone(),
        }
    }

    pub fn indexed_from(&self, w: &SynthWork, from: Option<&str>) -> bool {
        from.is_none_or(|d| self.index_date(w).as_str() >= d)
    }

    /// The work's Crossref record as of today.
    pub fn crossref_of<'a>(&self, w: &'a SynthWork) -> std::borrow::Cow<'a, Value> {
        if !self.funding_missing(w) {
            return std::borrow::Cow::Borrowed(&w.crossref);
        }
        let mut r = w.crossref.clone();
        if let Some(f) = r["funder"].as_array_mut() {
            f.retain(|f| {
                !DOD_FUNDERS.iter().any(|(reg, _, _)| {
                    f["DOI"].as_str() == Some(format!("10.13039/{reg}").as_str())
                })
            });
        }
        std::borrow::Cow::Owned(r)
    }

    /// The work's OpenAlex record as of today.
    pub fn openalex_of(&self, w: &SynthWork) -> Option<Value> {
        let mut r = w.openalex.clone()?;
        if self.funding_missing(w)
            && let Some(f) = r["funders"].as_array_mut()
        {
            f.retain(|f| {
                !DOD_FUNDERS.iter().any(|(reg, _, _)| {
                    f["id"]
                        .as_str()
                        .is_some_and(|id| id.ends_with(&openalex_funder_id(reg)))
                })
            });
        }
        Some(r)
    }
}
