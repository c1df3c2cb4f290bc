//! The receiving services' part in the demo (issue 16 §2, §4): some accepted linking
//! cards get the service's answer (the services delivered from the stage's basket, an
//! appointment, the outcome), written through the same use case as the card's page
//! (`awladna_core::referrals::answer`), acting as the service's focal point. Texts are
//! in Arabic and never name anyone.

use anyhow::anyhow;
use awladna_core::referrals::{AnswerInput, Silent, answer};
use awladna_core::{Core, Permit, Who};
use awladna_domain::access::{Actor, Role};
use std::collections::BTreeSet;

/// How many accepted cards are answered at most (one in two of the first ones).
const ANSWERED: i64 = 400;

const OUTCOMES: [&str; 3] = [
    "استقبل الطفل وقدمت له الخدمة المطلوبة، وحُدد موعد للمتابعة.",
    "أُنجز الفحص وسُلمت الشهادة إلى الأسرة.",
    "فُتح ملف لدى المصلحة وسيُستدعى الطفل ووليه في الموعد المحدد.",
];

/// Answers some of the accepted linking cards; how many answers were written.
pub async fn answers(core: &Core) -> anyhow::Result<u64> {
    let mut written = 0;
    let basket = core.reference.vocabulary("services");
    for (n, id) in core
        .store
        .referrals_taking_contributions(ANSWERED)
        .await?
        .into_iter()
        .enumerate()
    {
        if n % 2 == 1 {
            continue;
        }
        let Some(referral) = core.store.referral(&id).await? else {
            continue;
        };
        let Some(org) = core.store.organisation(&referral.to_org).await? else {
            continue;
        };
        let services: Vec<String> = basket
            .into_iter()
            .flat_map(|v| v.terms.iter())
            .filter(|t| t.group.as_deref() == Some(referral.stage.as_str()))
            .take(1 + n % 2)
            .map(|t| t.code.clone())
            .collect();
        let who = Who {
            actor: Actor {
                user_id: super::DEMO_AUTHOR.to_owned(),
                organisation: org.code.clone(),
                sector: org.sector.clone(),
                territory: org.territory.clone(),
                roles: BTreeSet::from([Role::FocalPoint]),
                token_scope: None,
            },
            audit_name: super::DEMO_AUTHOR.to_owned(),
            origin: None,
            machine: false,
        };
        let permit = Permit::check(who).map_err(|e| anyhow!("{e}"))?;
        let input = AnswerInput {
            services,
            appointment_date: None,
            outcome: OUTCOMES[n % OUTCOMES.len()].to_owned(),
            document: None,
        };
        match answer(core, &permit, &Silent, &id, input).await {
            Ok(_) => written += 1,
            // A card the service may not answer (its case closed meanwhile) is left.
            Err(e) => tracing::debug!("demo answer skipped: {e}"),
        }
    }
    Ok(written)
}
