//! The typed proof that the policy allowed an action: a use case for `RecordReport`
//! takes a `Permit<act::RecordReport>`, which only [`Permit::check`] makes, by asking
//! `domain::access::decide`. A handler cannot call it without asking the policy first,
//! and cannot pass a permit for one action to the use case of another.

use crate::error::{CoreError, allowed};
use awladna_domain::access::{Action, Actor, Decision, decide};
use awladna_store::audit::AuditEntry;
use serde_json::Value;
use std::marker::PhantomData;

/// Who acts: the person or machine client, and what the audit log names them by.
#[derive(Debug, Clone)]
pub struct Who {
    pub actor: Actor,
    /// The user id, or `token:ID` for a machine client.
    pub audit_name: String,
    /// The client's address, for the audit log.
    pub origin: Option<String>,
    /// A machine client (an API token) rather than a signed-in person.
    pub machine: bool,
}

impl Who {
    /// The signed-in person's user id; none for a machine client, which follows no case.
    pub fn user_id(&self) -> Option<&str> {
        (!self.machine).then_some(self.actor.user_id.as_str())
    }

    /// The organisation's code, if the actor belongs to one.
    pub fn organisation(&self) -> Option<&str> {
        (!self.actor.organisation.is_empty()).then_some(self.actor.organisation.as_str())
    }

    /// An audit entry of something this actor did to a record.
    pub fn audit(
        &self,
        at_ms: i64,
        action: &str,
        record: (&str, &str),
        territory: &str,
        detail: Value,
    ) -> AuditEntry {
        AuditEntry {
            at_ms,
            actor: Some(self.audit_name.clone()),
            action: action.to_owned(),
            record_kind: Some(record.0.to_owned()),
            record_id: Some(record.1.to_owned()),
            territory: Some(territory.to_owned()),
            origin: self.origin.clone(),
            detail,
        }
    }
}

/// An action of the policy, as a type.
pub trait Act: Send + Sync + 'static {
    const ACTION: Action;
}

/// The actions as types, one per `Action` that a use case is written for.
pub mod act {
    use super::{Act, Action};

    macro_rules! acts {
        ($($name:ident),* $(,)?) => {$(
            #[derive(Debug, Clone, Copy)]
            pub struct $name;
            impl Act for $name {
                const ACTION: Action = Action::$name;
            }
        )*};
    }

    acts!(
        UseOwnAccount,
        ManageOrganisations,
        ManageUsers,
        ViewAudit,
        RecordReport,
        ReadReport,
        Triage,
        ReadCase,
        MoveCase,
        BreakGlass,
        ViewAlerts,
        WorkOnCase,
        AssignCase,
        ManageDirectory,
        Refer,
        UseReferrals,
        ViewStatistics,
        PrepareReport,
        ApproveReport,
        SubjectAccess,
        RectifyIdentity,
        ReadCommittee,
        KeepCommittee,
        ApproveMinutes,
        FollowDecisions,
        ReadTraining,
        RunTraining,
        ReadRollout,
        KeepRollout,
        ReadLibrary,
        KeepLibrary,
        ReadPlanning,
        OpenDiagnosis,
        ContributePlanning,
        DraftPlanning,
        ApprovePlanning,
        SuperviseCase,
        // Issue 17 §1.
        ObservatoryIntake,
        ObservatoryStatuses,
        ViewObservatoryReception,
        KeepObservatoryOutbox,
        // Issue 19 §3.
        ReviewDataQuality,
        PublishProvinceFigures,
    );
}

/// Proof that `who` may do `A` in their own scope. Record-level checks (another
/// province's record) are asked with [`Permit::on`].
#[derive(Debug, Clone)]
pub struct Permit<A: Act> {
    who: Who,
    action: PhantomData<A>,
}

impl<A: Act> Permit<A> {
    /// Asks the policy whether `who` may do `A` at all.
    pub fn check(who: Who) -> Result<Permit<A>, CoreError> {
        allowed(decide(Some(&who.actor), A::ACTION, None))?;
        Ok(Permit {
            who,
            action: PhantomData,
        })
    }

    pub fn who(&self) -> &Who {
        &self.who
    }

    pub fn actor(&self) -> &Actor {
        &self.who.actor
    }

    /// The policy's answer for a record of `territory`.
    pub fn decide_on(&self, territory: &str) -> Decision {
        decide(Some(&self.who.actor), A::ACTION, Some(territory))
    }

    /// Whether `A` may be done on a record of `territory`: another province's record
    /// is `NotFound`, not `Forbidden` (that would tell it exists).
    pub fn on(&self, territory: &str) -> Result<(), CoreError> {
        allowed(self.decide_on(territory))
    }

    /// The same person's permit for another action, if the policy allows it.
    pub fn also<B: Act>(&self) -> Result<Permit<B>, CoreError> {
        Permit::check(self.who.clone())
    }
}
