//! The unified protocol (البروتوكول الموحد, SPEC.md §5) as data: for each stage of the
//! pathway and each form of violence or situation, the basket of services, the sector
//! responsible for each, the maximum delays and the minimum standards. One file per
//! version under `data/protocol/`; ours until the ministry publishes its own, which the
//! file says (`provisional`) and every page shows.
//!
//! A file is checked against the reference set it will be used with: every stage,
//! concern, service and sector code must exist in its vocabulary, and the delays it
//! borrows (the answer to a linking card, the actions of an evaluation) must name the
//! files that hold them. A broken file is refused with what to fix.

use crate::lang::Lang;
use crate::pathway::Stage;
use crate::reference::{REFERRAL_DEADLINES_FILE, Reference};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::fmt;

/// The versions shipped in the binary, oldest first.
const SHIPPED: [(&str, &str); 1] = [(
    "protocol/protocol.v1.toml",
    include_str!("../data/protocol/protocol.v1.toml"),
)];

/// The longest delay a file may set (a year): anything longer is a typo.
const MAX_HOURS: i64 = 24 * 366;

/// A text of the protocol, in Arabic and French (the programme's two working
/// languages); an English reader gets the French.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub ar: String,
    pub fr: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ar => &self.ar,
            Lang::Fr | Lang::En => &self.fr,
        }
    }

    fn check(&self, what: &str) -> Result<(), String> {
        if self.ar.trim().is_empty() || self.fr.trim().is_empty() {
            return Err(format!(
                "{what} needs a text in Arabic (ar) and in French (fr)"
            ));
        }
        Ok(())
    }
}

/// The maximum delays. Two are borrowed, by naming the reference file that holds them;
/// two are the protocol's own.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delays {
    /// The answer to a linking card, by urgency: `referrals/deadlines.toml`.
    pub linking_card_response: String,
    /// The actions an evaluation at high risk sets: `scoring/{form}.v{n}.toml`.
    pub evaluation_actions: String,
    pub first_evaluation_after_report_hours: i64,
    pub plan_after_high_risk_evaluation_hours: i64,
}

/// One service of a stage's basket.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasketService {
    /// A code of the `services` vocabulary.
    pub service: String,
    /// The sector responsible (a code of `sectors`).
    pub sector: String,
    /// The sectors that take part.
    #[serde(default)]
    pub partners: Vec<String>,
    /// The concerns it is due for; none: every concern.
    pub concerns: Option<Vec<String>>,
    pub standard: Text,
}

impl BasketService {
    /// Whether the service is due for a child with these concerns (a child whose
    /// concerns are not known yet gets the services due for every concern).
    pub fn due_for(&self, concerns: &[String]) -> bool {
        match &self.concerns {
            None => true,
            Some(list) => concerns.iter().any(|c| list.contains(c)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageBasket {
    /// A code of the `stages` vocabulary.
    pub stage: String,
    pub objective: Text,
    pub services: Vec<BasketService>,
}

/// A minimum standard of services and practices, of every stage or of one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    pub code: String,
    pub stage: Option<String>,
    pub text: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    pub version: u32,
    /// YYYY-MM-DD.
    pub issued: String,
    /// Ours until the ministry publishes its own: the pages say so.
    pub provisional: bool,
    pub title: Text,
    pub notice: Text,
    pub delays: Delays,
    pub stages: Vec<StageBasket>,
    pub standards: Vec<Standard>,
}

/// A protocol file that cannot be used, and why, said so that whoever edits it knows
/// what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError {
    pub file: String,
    pub reason: String,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "protocol file {}: {}", self.file, self.reason)
    }
}

impl std::error::Error for ProtocolError {}

impl Protocol {
    /// Reads and checks one file (`protocol.v{N}.toml`) against `reference`.
    pub fn parse(file: &str, text: &str, reference: &Reference) -> Result<Protocol, ProtocolError> {
        let fail = |reason: String| ProtocolError {
            file: file.to_owned(),
            reason,
        };
        let protocol: Protocol = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
        let expected = format!("protocol.v{}.toml", protocol.version);
        if !file.ends_with(&expected) {
            return Err(fail(format!(
                "says version {} but is not named {expected}",
                protocol.version
            )));
        }
        protocol.check(reference).map_err(fail)?;
        Ok(protocol)
    }

    fn check(&self, reference: &Reference) -> Result<(), String> {
        jiff::civil::Date::strptime("%Y-%m-%d", &self.issued)
            .map_err(|_| format!("`issued` \"{}\" is not a date (YYYY-MM-DD)", self.issued))?;
        self.title.check("`title`")?;
        self.notice.check("`notice`")?;
        self.check_delays(reference)?;
        let known = |vocabulary: &str, code: &str| {
            reference
                .vocabulary(vocabulary)
                .is_some_and(|v| v.term(code).is_some())
        };
        let unknown = |vocabulary: &str, code: &str| {
            format!("\"{code}\" is not in the {vocabulary} vocabulary")
        };
        let mut seen_stages = BTreeSet::new();
        for basket in &self.stages {
            let stage = &basket.stage;
            if !known("stages", stage) {
                return Err(format!("a stage: {}", unknown("stages", stage)));
            }
            if stage == Stage::Closed.code() {
                return Err("the closed stage has no basket of services".into());
            }
            if !seen_stages.insert(stage.as_str()) {
                return Err(format!("stage \"{stage}\" is given twice"));
            }
            basket.objective.check(&format!("stage \"{stage}\""))?;
            let mut seen_services = BTreeSet::new();
            for s in &basket.services {
                let at = format!("stage \"{stage}\", service \"{}\"", s.service);
                if !known("services", &s.service) {
                    return Err(format!(
                        "stage \"{stage}\": {}",
                        unknown("services", &s.service)
                    ));
                }
                if !seen_services.insert(s.service.as_str()) {
                    return Err(format!("{at}: is given twice"));
                }
                if !known("sectors", &s.sector) {
                    return Err(format!("{at}: sector {}", unknown("sectors", &s.sector)));
                }
                if let Some(p) = s.partners.iter().find(|p| !known("sectors", p)) {
                    return Err(format!("{at}: partner {}", unknown("sectors", p)));
                }
                if let Some(list) = &s.concerns {
                    if list.is_empty() {
                        return Err(format!(
                            "{at}: `concerns` is empty (leave it out for every concern)"
                        ));
                    }
                    if let Some(c) = list.iter().find(|c| !known("concerns", c)) {
                        return Err(format!("{at}: concern {}", unknown("concerns", c)));
                    }
                }
                s.standard.check(&at)?;
            }
            // «لكل مرحلة سلة خدمات» for every form of violence: a concern left without a
            // service at a stage would leave its children with nothing to propose.
            let concerns = reference
                .vocabulary("concerns")
                .map(|v| v.terms.as_slice())
                .unwrap_or_default();
            for concern in concerns {
                let one = [concern.code.clone()];
                if !basket.services.iter().any(|s| s.due_for(&one)) {
                    return Err(format!(
                        "stage \"{stage}\": no service for concern \"{}\"",
                        concern.code
                    ));
                }
            }
        }
        let mut seen_standards = BTreeSet::new();
        for standard in &self.standards {
            if !seen_standards.insert(standard.code.as_str()) {
                return Err(format!("standard \"{}\" is given twice", standard.code));
            }
            if let Some(stage) = standard.stage.as_deref().filter(|s| !known("stages", s)) {
                return Err(format!(
                    "standard \"{}\": stage {}",
                    standard.code,
                    unknown("stages", stage)
                ));
            }
            standard
                .text
                .check(&format!("standard \"{}\"", standard.code))?;
        }
        Ok(())
    }

    fn check_delays(&self, reference: &Reference) -> Result<(), String> {
        let d = &self.delays;
        if d.linking_card_response != REFERRAL_DEADLINES_FILE {
            return Err(format!(
                "`delays.linking_card_response` must name \"{REFERRAL_DEADLINES_FILE}\", where the answer to a linking card is set by urgency"
            ));
        }
        if self.evaluation_scoring(reference).is_none() {
            return Err(format!(
                "`delays.evaluation_actions` \"{}\" is not a scoring file of the reference set (scoring/{{form}}.v{{n}}.toml)",
                d.evaluation_actions
            ));
        }
        for (name, hours) in [
            (
                "first_evaluation_after_report_hours",
                d.first_evaluation_after_report_hours,
            ),
            (
                "plan_after_high_risk_evaluation_hours",
                d.plan_after_high_risk_evaluation_hours,
            ),
        ] {
            if !(1..=MAX_HOURS).contains(&hours) {
                return Err(format!(
                    "`delays.{name}` is {hours}: it must be from 1 to {MAX_HOURS} hours"
                ));
            }
        }
        Ok(())
    }

    /// The scoring rules whose deadlines the protocol borrows for an evaluation's actions.
    pub fn evaluation_scoring<'r>(
        &self,
        reference: &'r Reference,
    ) -> Option<&'r crate::scoring::Scoring> {
        let (form, version) = self
            .delays
            .evaluation_actions
            .strip_prefix("scoring/")?
            .strip_suffix(".toml")?
            .rsplit_once(".v")?;
        reference.scoring(form, version.parse().ok()?)
    }

    pub fn stage(&self, code: &str) -> Option<&StageBasket> {
        self.stages.iter().find(|b| b.stage == code)
    }

    /// The services a stage's basket holds for a child with these concerns, in the
    /// protocol's order.
    pub fn basket(&self, stage: &str, concerns: &[String]) -> Vec<&BasketService> {
        self.stage(stage)
            .map(|b| b.services.iter().filter(|s| s.due_for(concerns)).collect())
            .unwrap_or_default()
    }

    /// The services of `stage` in `service`'s place, if the protocol names it there.
    pub fn service(&self, stage: &str, service: &str) -> Option<&BasketService> {
        self.stage(stage)?
            .services
            .iter()
            .find(|s| s.service == service)
    }

    /// The standards of every stage, then those of `stage`.
    pub fn standards_of<'a>(
        &'a self,
        stage: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Standard> {
        self.standards
            .iter()
            .filter(move |s| s.stage.as_deref() == stage)
    }
}

/// The stage whose basket is proposed to a case at `stage`: a case still at detection
/// is proposed immediate assistance (detection itself is the report, not a service);
/// a closed case is proposed nothing.
pub fn proposed_stage(stage: Stage) -> Option<Stage> {
    match stage {
        Stage::Detection => Some(Stage::ImmediateAssistance),
        Stage::Closed => None,
        other => Some(other),
    }
}

/// Every version of the protocol, oldest first.
#[derive(Debug, Clone)]
pub struct Protocols(Vec<Protocol>);

impl Protocols {
    /// The versions shipped in the binary, checked against `reference`.
    pub fn shipped(reference: &Reference) -> Result<Protocols, ProtocolError> {
        Protocols::from_files(SHIPPED.iter().map(|(name, text)| (*name, *text)), reference)
    }

    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
        reference: &Reference,
    ) -> Result<Protocols, ProtocolError> {
        let mut all = Vec::new();
        for (name, text) in files {
            all.push(Protocol::parse(name, text, reference)?);
        }
        all.sort_by_key(|p| p.version);
        if let Some(w) = all.windows(2).find(|w| w[0].version == w[1].version) {
            return Err(ProtocolError {
                file: format!("protocol/protocol.v{}.toml", w[0].version),
                reason: "is given twice".into(),
            });
        }
        if all.is_empty() {
            return Err(ProtocolError {
                file: "protocol/".into(),
                reason: "holds no version".into(),
            });
        }
        Ok(Protocols(all))
    }

    /// The version in force: the newest.
    pub fn current(&self) -> &Protocol {
        // `from_files` refuses an empty set.
        &self.0[self.0.len() - 1]
    }

    pub fn version(&self, version: u32) -> Option<&Protocol> {
        self.0.iter().find(|p| p.version == version)
    }

    pub fn all(&self) -> &[Protocol] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> Reference {
        Reference::embedded().unwrap()
    }

    fn shipped_text() -> String {
        SHIPPED[0].1.to_owned()
    }

    fn parse_with(from: &str, to: &str) -> Result<Protocol, ProtocolError> {
        let text = shipped_text();
        assert!(text.contains(from), "{from} is not in the shipped file");
        Protocol::parse(
            "protocol/protocol.v1.toml",
            &text.replacen(from, to, 1),
            &reference(),
        )
    }

    #[test]
    fn the_shipped_protocol_loads_and_is_marked_ours() {
        let all = Protocols::shipped(&reference()).unwrap();
        let p = all.current();
        assert_eq!(p.version, 1);
        assert!(p.provisional);
        assert_eq!(p.delays.first_evaluation_after_report_hours, 72);
        assert!(p.evaluation_scoring(&reference()).is_some());
        // Every stage of the pathway but detection (the report) and closure has a basket.
        let stages: Vec<&str> = p.stages.iter().map(|b| b.stage.as_str()).collect();
        assert_eq!(
            stages,
            [
                "immediate_assistance",
                "initial_diagnosis",
                "care",
                "reintegration",
                "follow_up"
            ]
        );
    }

    #[test]
    fn the_basket_depends_on_the_concern() {
        let all = Protocols::shipped(&reference()).unwrap();
        let p = all.current();
        let codes = |stage: &str, concern: &str| -> Vec<String> {
            p.basket(stage, &[concern.to_owned()])
                .iter()
                .map(|s| s.service.clone())
                .collect()
        };
        let sexual = codes("initial_diagnosis", "sexual_violence");
        assert!(sexual.contains(&"forensic_exam".to_owned()));
        let dropout = codes("initial_diagnosis", "school_dropout_risk");
        assert!(!dropout.contains(&"forensic_exam".to_owned()));
        assert!(dropout.contains(&"social_inquiry".to_owned()));
        assert!(
            codes("reintegration", "child_labour").contains(&"withdrawal_from_work".to_owned())
        );
        assert_eq!(
            p.service("initial_diagnosis", "forensic_exam")
                .map(|s| s.sector.as_str()),
            Some("health")
        );
        assert_eq!(
            proposed_stage(Stage::Detection),
            Some(Stage::ImmediateAssistance)
        );
        assert_eq!(proposed_stage(Stage::Closed), None);
        assert!(p.standards_of(None).count() >= 3);
        assert!(p.standards_of(Some("care")).count() >= 1);
    }

    #[test]
    fn a_broken_file_is_refused_with_what_to_fix() {
        let err = parse_with("sector = \"justice\"", "sector = \"justise\"").unwrap_err();
        assert_eq!(
            err.to_string(),
            "protocol file protocol/protocol.v1.toml: stage \"immediate_assistance\", service \"legal_orientation\": sector \"justise\" is not in the sectors vocabulary"
        );
        let err = parse_with("service = \"shelter\"", "service = \"sheltr\"").unwrap_err();
        assert!(
            err.reason
                .contains("\"sheltr\" is not in the services vocabulary"),
            "{err}"
        );
        let err =
            parse_with("\"trafficking\", \"sale\"]", "\"trafficking\", \"sael\"]").unwrap_err();
        assert!(err.reason.contains("concern \"sael\""), "{err}");
        let err = parse_with("stage = \"care\"", "stage = \"caring\"").unwrap_err();
        assert!(
            err.reason
                .contains("\"caring\" is not in the stages vocabulary"),
            "{err}"
        );
        let err = parse_with(
            "= \"referrals/deadlines.toml\"",
            "= \"referrals/other.toml\"",
        )
        .unwrap_err();
        assert!(err.reason.contains("linking_card_response"), "{err}");
        let err = parse_with(
            "= \"scoring/evaluation.v1.toml\"",
            "= \"scoring/evaluation.v9.toml\"",
        )
        .unwrap_err();
        assert!(err.reason.contains("evaluation_actions"), "{err}");
        let err = parse_with("_hours = 72", "_hours = 0").unwrap_err();
        assert!(
            err.reason.contains("first_evaluation_after_report_hours"),
            "{err}"
        );
        let err = parse_with("version = 1", "version = 2").unwrap_err();
        assert!(err.reason.contains("protocol.v2.toml"), "{err}");
        let err = parse_with("provisional = true", "provisional = true\nsurprise = 1").unwrap_err();
        assert!(err.reason.contains("surprise"), "{err}");
        // The only service of follow-up for every concern gone: concerns are left bare.
        let text = shipped_text();
        let at = text.find("service = \"home_visits\"").unwrap();
        let broken = format!("{}concerns = [\"neglect\"]\n{}", &text[..at], &text[at..]);
        let err = Protocol::parse("protocol/protocol.v1.toml", &broken, &reference()).unwrap_err();
        assert!(
            err.reason
                .contains("stage \"follow_up\": no service for concern"),
            "{err}"
        );
    }

    #[test]
    fn versions_are_kept_in_order() {
        let r = reference();
        let v1 = shipped_text();
        let v2 = v1.replacen("version = 1", "version = 2", 1);
        let all = Protocols::from_files(
            [
                ("protocol/protocol.v2.toml", v2.as_str()),
                ("protocol/protocol.v1.toml", v1.as_str()),
            ],
            &r,
        )
        .unwrap();
        assert_eq!(all.current().version, 2);
        assert!(all.version(1).is_some());
        assert!(Protocols::from_files([], &r).is_err());
    }
}
