//! The benchmark's baseline: each scenario's repository queries, through the server's own pool,
//! with no authentication, no visibility decisions and no JSON shaping (the answer is a row
//! count as text). Mounted only on the separate listener `concord bench load` starts; never part
//! of the served API.

use actix_web::{web, HttpResponse};
use domain::agreement::AgreementKind;
use domain::evaluation::{Score, Submission, SubmissionStatus};
use domain::{AgreementId, CycleId, OrganisationId, PartnershipId, TenantId};
use persistence::{NewAuditEvent, Store, StoreError, Tx};

type Res = Result<HttpResponse, actix_web::Error>;

fn bad<E: std::fmt::Display>(e: E) -> actix_web::Error {
    actix_web::error::ErrorInternalServerError(e.to_string())
}

fn tenant(raw: &str) -> Result<TenantId, actix_web::Error> {
    TenantId::parse(raw).map_err(actix_web::error::ErrorNotFound)
}

async fn run<F>(store: web::Data<Store>, t: TenantId, write: bool, f: F) -> Res
where
    F: FnOnce(&mut Tx<'_>) -> Result<usize, StoreError> + Send + 'static,
{
    let store = store.get_ref().clone();
    let n = web::block(move || {
        if write {
            store.write(&t, f)
        } else {
            store.read(&t, f)
        }
    })
    .await
    .map_err(bad)?
    .map_err(bad)?;
    Ok(HttpResponse::Ok().body(n.to_string()))
}

fn parsed<T>(r: Result<T, domain::ids::InvalidId>) -> Result<T, StoreError> {
    r.map_err(|e| StoreError::Corrupt(e.to_string()))
}

async fn school(store: web::Data<Store>, path: web::Path<(String, String)>) -> Res {
    let (t, id) = path.into_inner();
    run(store, tenant(&t)?, false, move |tx| {
        let id = parsed(OrganisationId::parse(&id))?;
        Ok(usize::from(tx.organisation(&id)?.is_some()))
    })
    .await
}

async fn overview(store: web::Data<Store>, path: web::Path<(String, String)>) -> Res {
    let (t, id) = path.into_inner();
    run(store, tenant(&t)?, false, move |tx| {
        let id = parsed(PartnershipId::parse(&id))?;
        let p = tx.partnership(&id)?;
        let stints = tx.members(&id, true)?;
        let orgs: Vec<_> = stints.iter().map(|m| &m.organisation).collect();
        let names = tx.organisation_names(&orgs)?;
        let people: Vec<_> = p
            .iter()
            .flat_map(|p| p.coordinator.iter().chain(p.chair.iter()))
            .collect();
        let people = tx.user_names(&people)?;
        let a = tx.count_agreements(&id)?;
        let c = tx.count_cycles(&id)?;
        Ok(names.len() + people.len() + usize::try_from(a + c).unwrap_or(0))
    })
    .await
}

/// The analysis's reads: the cycle, partnership and members, the in-force agreements' signers,
/// the tenant, the cycle's submissions, each other school's consents (and an access record per
/// named read when `named`), and the earlier cycles with their submissions.
fn analysis_rows(tx: &mut Tx<'_>, id: &str, named: bool) -> Result<usize, StoreError> {
    let id = parsed(CycleId::parse(id))?;
    let Some(c) = tx.cycle(&id)? else {
        return Ok(0);
    };
    let p = tx.partnership(&c.partnership)?;
    let stints = tx.members(&c.partnership, true)?;
    let mut n = usize::from(p.is_some()) + stints.len();
    for kind in [
        AgreementKind::TermsOfReference,
        AgreementKind::DataSharingAgreement,
    ] {
        n += tx
            .in_force_signers(&c.partnership, kind)?
            .map_or(0, |s| s.2.len());
    }
    tx.current_tenant()?;
    let subs = tx.submissions(&c.id)?;
    let ids: Vec<&OrganisationId> = subs.iter().map(|s| &s.organisation).collect();
    n += tx.organisation_names(&ids)?.len();
    let consents = tx.list_consents(&persistence::ConsentFilter {
        grantors: Some(ids.iter().map(|o| (*o).clone()).collect()),
        ..Default::default()
    })?;
    for s in subs.iter().skip(1) {
        let consents: Vec<_> = consents
            .iter()
            .filter(|c| c.grantor == s.organisation)
            .collect();
        n += consents.len();
        if named {
            if let Some(consent) = consents.first() {
                tx.record_access(&persistence::AccessEvent {
                    id: domain::AccessId::new(),
                    at: persistence::now().and_utc(),
                    viewer_kind: "user".into(),
                    viewer_id: "baseline".into(),
                    viewer_organisation: None,
                    owner: s.organisation.to_string(),
                    category: "evaluation_scores".into(),
                    resource: format!("/v1/cycles/{}/analysis", c.id),
                    consent: Some(consent.id.to_string()),
                    request_id: None,
                })?;
            }
        }
    }
    n += subs.iter().map(|s| s.scores.len()).sum::<usize>();
    for earlier in tx.list_cycles(&c.partnership)? {
        if earlier.created_at < c.created_at {
            n += tx
                .submissions(&earlier.id)?
                .iter()
                .map(|s| s.scores.len())
                .sum::<usize>();
        }
    }
    Ok(n)
}

async fn analysis(store: web::Data<Store>, path: web::Path<(String, String)>) -> Res {
    let (t, id) = path.into_inner();
    run(store, tenant(&t)?, true, move |tx| {
        analysis_rows(tx, &id, false)
    })
    .await
}

async fn named(store: web::Data<Store>, path: web::Path<(String, String)>) -> Res {
    let (t, id) = path.into_inner();
    run(store, tenant(&t)?, true, move |tx| {
        analysis_rows(tx, &id, true)
    })
    .await
}

/// Twenty-three scores, the same each time.
pub fn scores() -> Vec<Score> {
    domain::framework::default_framework()
        .areas
        .iter()
        .flat_map(|a| a.sub_themes.iter())
        .flat_map(|s| s.criteria.iter())
        .enumerate()
        .map(|(i, c)| Score {
            criterion: c.code.clone(),
            school: Some(i32::try_from(i % 4).unwrap_or(0) + 1),
            partnership: Some(3),
            not_yet_evidenced: false,
            evidence: None,
        })
        .collect()
}

async fn save(store: web::Data<Store>, path: web::Path<(String, String, String)>) -> Res {
    let (t, cycle, org) = path.into_inner();
    run(store, tenant(&t)?, true, move |tx| {
        let cycle = parsed(CycleId::parse(&cycle))?;
        let org = parsed(OrganisationId::parse(&org))?;
        let Some(c) = tx.cycle(&cycle)? else {
            return Ok(0);
        };
        tx.partnership(&c.partnership)?;
        tx.members(&c.partnership, true)?;
        let current = tx.submission(&c.id, &org)?;
        let version = current.as_ref().map_or(0, |s| s.version);
        let mut s = current.unwrap_or(Submission {
            cycle: c.id.clone(),
            organisation: org.clone(),
            status: SubmissionStatus::Draft,
            scores: Vec::new(),
            narratives: Vec::new(),
            submitted_at: None,
            version: 0,
        });
        s.scores = scores();
        let saved = tx.save_submission(&mut s, version)?;
        tx.record(NewAuditEvent {
            actor_kind: "user",
            actor_id: "baseline".into(),
            action: "submission.saved",
            resource_type: "submission",
            resource_id: format!("{}/{}", c.id, org),
            partnership_id: Some(c.partnership.to_string()),
            request_id: None,
            details: serde_json::json!({}),
        })?;
        Ok(usize::from(saved))
    })
    .await
}

async fn sign(store: web::Data<Store>, path: web::Path<(String, String, String, String)>) -> Res {
    let (t, agreement, org, user) = path.into_inner();
    run(store, tenant(&t)?, true, move |tx| {
        let id = parsed(AgreementId::parse(&agreement))?;
        let org = parsed(OrganisationId::parse(&org))?;
        if !tx.lock_agreement(&id)? {
            return Ok(0);
        }
        let Some(a) = tx.agreement(&id)? else {
            return Ok(0);
        };
        tx.partnership(&a.partnership)?;
        tx.members(&a.partnership, true)?;
        let versions = tx.versions(&a)?;
        let sigs = tx.signatures(&id, 1)?;
        if sigs.iter().any(|s| s.organisation == org) {
            return Ok(0);
        }
        tx.insert_signature(
            &id,
            1,
            &domain::agreement::Signature {
                organisation: org.clone(),
                decision: domain::agreement::Decision::Signed,
                user: parsed(domain::UserId::parse(&user))?,
                capacity: domain::agreement::Capacity::Head,
                reason: None,
                at: persistence::now().and_utc(),
            },
        )?;
        tx.record(NewAuditEvent {
            actor_kind: "user",
            actor_id: "baseline".into(),
            action: "agreement.signed",
            resource_type: "agreement",
            resource_id: id.to_string(),
            partnership_id: Some(a.partnership.to_string()),
            request_id: None,
            details: serde_json::json!({}),
        })?;
        Ok(versions.len() + sigs.len() + 1)
    })
    .await
}

/// The baseline's routes, under `/_baseline`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/_baseline")
            .route("/school/{tenant}/{id}", web::get().to(school))
            .route("/overview/{tenant}/{id}", web::get().to(overview))
            .route("/analysis/{tenant}/{id}", web::get().to(analysis))
            .route("/named/{tenant}/{id}", web::get().to(named))
            .route("/save/{tenant}/{cycle}/{org}", web::put().to(save))
            .route(
                "/sign/{tenant}/{agreement}/{org}/{user}",
                web::post().to(sign),
            ),
    );
}
