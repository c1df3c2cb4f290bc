//! `GET /api/v1/directory?territory=CODE`: the province's public entries for anyone;
//! every entry and the private contact points for signed-in people of the province.

use crate::auth::Caller;
use crate::error::AppError;
use crate::state::AppState;
use awladna_core::directory::{Reader, published};
use awladna_domain::directory::{SERVICES, sort_services};
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub struct ApiQuery {
    territory: Option<String>,
}

pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Query(query): Query<ApiQuery>,
) -> Result<Json<Value>, AppError> {
    let reader = Reader {
        actor: caller.actor.as_ref(),
        second_factor_pending: caller.pending_second_factor,
    };
    let published = published(&state, reader, query.territory.as_deref()).await?;
    let professional = published.professional;
    let services = state.reference.vocabulary(SERVICES);
    let organisations: Vec<Value> = published
        .listings
        .iter()
        .filter_map(|listing| {
            let entry = listing.entry.as_ref()?;
            let o = &listing.organisation;
            let mut codes = entry.services.clone();
            if let Some(v) = services {
                sort_services(&mut codes, v);
            }
            let stage_of = |code: &str| {
                services
                    .and_then(|v| v.term(code))
                    .and_then(|term| term.group.clone())
            };
            Some(json!({
                "code": o.code,
                "name": o.name,
                "sector": o.sector,
                "address": entry.address,
                "opening_hours": entry.opening_hours,
                "position": entry.position.map(|p| json!({"lat": p.lat(), "lon": p.lon()})),
                "services": codes.iter().map(|c| json!({"code": c, "stage": stage_of(c)})).collect::<Vec<_>>(),
                "public": entry.public,
                "contacts": entry.contacts_for(professional).map(|c| json!({
                    "name": c.name, "role": c.role, "phone": c.phone, "email": c.email, "private": c.private,
                })).collect::<Vec<_>>(),
            }))
        })
        .collect();
    let province = published.province;
    Ok(Json(json!({
        "territory": {"code": province.code, "name_ar": province.name_ar, "name_fr": province.name_fr},
        "private_contacts_included": professional,
        "organisations": organisations,
    })))
}
