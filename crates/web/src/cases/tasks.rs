//! The worker's tasks page: what is to be done on the cases they follow, late first.

use crate::error::AppError;
use crate::extract::{Guard, Shell};
use crate::state::AppState;
use askama::Template;
use askama_web::WebTemplate;
use awladna_core::act;
use axum::extract::State;

pub struct TaskView {
    pub href: String,
    case_number: String,
    child: String,
    pub what: String,
    pub due: String,
    pub overdue: bool,
}

impl TaskView {
    pub fn of(t: crate::i18n::Tr, task: awladna_core::tasks::Task) -> TaskView {
        use awladna_core::tasks::TaskKind;
        let href = match task.kind {
            TaskKind::Evaluate => format!("/cases/{}/evaluate", task.case_id),
            TaskKind::FollowUp => format!("/cases/{}/cards/followup", task.case_id),
            TaskKind::PlanReview => format!("/cases/{}/cards/plan_review", task.case_id),
            TaskKind::PlanAction => format!("/cases/{}#plan-title", task.case_id),
        };
        TaskView {
            href,
            case_number: task.case_number,
            child: if task.first_name.is_empty() {
                t.get("child-unnamed")
            } else {
                task.first_name
            },
            what: t.get(&format!("task-{}", task.kind.code().replace('_', "-"))),
            due: task
                .due_at
                .map(|due| crate::times::deadline(due, task.due_is_a_date))
                .unwrap_or_default(),
            overdue: task.overdue,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "tasks.html")]
pub struct TasksPage {
    shell: Shell,
    tasks: Vec<TaskView>,
    /// For the coordinator: each worker's open cases and late ones.
    caseloads: Vec<awladna_core::tasks::Caseload>,
    /// For the coordinator: the province's plan reviews past their date.
    late_reviews: Vec<LateReviewView>,
}

pub struct LateReviewView {
    case_id: String,
    case_number: String,
    worker: Option<String>,
    due: String,
}

pub async fn page(
    State(state): State<AppState>,
    shell: Shell,
    Guard(permit): Guard<act::WorkOnCase>,
) -> Result<TasksPage, AppError> {
    let t = shell.t;
    let tasks = awladna_core::tasks::mine(&state, &permit)
        .await?
        .into_iter()
        .map(|task| TaskView::of(t, task))
        .collect();
    let caseloads = awladna_core::tasks::caseloads(&state, &permit).await?;
    let late_reviews = awladna_core::tasks::late_reviews(&state, &permit)
        .await?
        .into_iter()
        .map(|late| LateReviewView {
            case_id: late.case_id,
            case_number: late.case_number,
            worker: late.worker,
            due: crate::times::deadline(late.due_at, true),
        })
        .collect();
    Ok(TasksPage {
        shell,
        tasks,
        caseloads,
        late_reviews,
    })
}
