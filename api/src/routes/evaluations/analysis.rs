//! The partnership analysis of a cycle, as the viewer may see it.
//!
//! Aggregates cover every submitted school and are suppressed below the tenant's *k*. Named
//! schools' scores and narratives appear only where that school's consent reaches the viewer,
//! decided by the visibility function with the consent facts loaded in this transaction, and
//! each such read is recorded in the school's access log in the same transaction.

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};
use domain::agreement::{current_signatures, AgreementKind};
use domain::authz::{
    named_data, Action, MemberFact, NamedDataAccess, PartnershipFacts, Principal, Resource,
};
use domain::consent::DataCategory;
use domain::evaluation::{
    aggregate, collaboration, round2, school_mean, Aggregate, Cycle, CycleStatus, Score,
    Submission, SubmissionStatus,
};
use domain::framework::Definition;
use domain::partnership::MemberStatus;
use domain::{CycleId, OrganisationId};
use persistence::Tx;

use super::cycles::load_cycle;
use super::dto::{
    AnalysisDto, AreaAnalysis, Collaboration, CriterionAnalysis, NamedArea, NamedSchool, OwnSchool,
    ParticipationCount, SharedNarrative, SubThemeAnalysis, TrendPoint,
};
use super::framework_version;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::path_id;
use crate::request_id;
use crate::routes::agreements::{joined_times, today};
use crate::routes::partnerships::Loaded;
use crate::sharing;
use crate::state::AppState;

fn measure(
    subs: &[&Submission],
    codes: &[&str],
    def: &Definition,
    k: usize,
    pick: fn(&Score) -> Option<i32>,
) -> Aggregate {
    let values: Vec<f64> = subs
        .iter()
        .filter_map(|s| school_mean(&s.scores, codes, pick))
        .collect();
    aggregate(&values, def, k)
}

fn mean_of(a: &Aggregate) -> Option<f64> {
    match a {
        Aggregate::Shown(s) => Some(s.mean),
        Aggregate::Suppressed { .. } => None,
    }
}

fn own(own: Option<&Submission>, codes: &[&str], school: &Aggregate) -> Option<OwnSchool> {
    own.map(|s| {
        let mine = school_mean(&s.scores, codes, |x| x.school).map(round2);
        OwnSchool {
            school_score: mine,
            partnership_score: school_mean(&s.scores, codes, |x| x.partnership).map(round2),
            gap: mine.zip(mean_of(school)).map(|(a, b)| round2(a - b)),
        }
    })
}

/// Whether one of the viewer's member schools has signed, in its current membership, every
/// terms of reference and data-sharing agreement of the partnership that is in force.
fn member_signed(tx: &mut Tx<'_>, auth: &Auth, l: &Loaded) -> ApiResult<bool> {
    let Principal::User(u) = &auth.0 else {
        return Ok(false);
    };
    let joined = joined_times(&l.stints);
    let mine: Vec<&OrganisationId> = joined
        .iter()
        .map(|(o, _)| o)
        .filter(|o| u.memberships.iter().any(|m| &m.organisation_id == *o))
        .collect();
    let mut signed_all: Vec<&OrganisationId> = mine.clone();
    for kind in [
        AgreementKind::TermsOfReference,
        AgreementKind::DataSharingAgreement,
    ] {
        if let Some((_, _, sigs)) = tx.in_force_signers(&l.p.id, kind)? {
            let current = current_signatures(&sigs, &joined);
            signed_all.retain(|o| current.iter().any(|s| &&s.organisation == o));
        }
    }
    Ok(!signed_all.is_empty())
}

struct Input {
    auth: Auth,
    request: Option<String>,
}

fn compute(tx: &mut Tx<'_>, input: &Input, c: &Cycle, l: &Loaded) -> ApiResult<AnalysisDto> {
    let auth = &input.auth;
    let member_signed = member_signed(tx, auth, l)?;
    let facts: Vec<MemberFact> = l
        .stints
        .iter()
        .map(|m| MemberFact {
            organisation: m.organisation.clone(),
            role: m.role,
            status: m.status,
        })
        .collect();
    let f = PartnershipFacts {
        coordinator: l.p.coordinator.as_ref(),
        chair: l.p.chair.as_ref(),
        members: &facts,
    };
    auth.authorize(
        Action::Read,
        Resource::PartnershipAggregates {
            facts: &f,
            member_signed,
        },
    )?;
    let k = usize::try_from(
        tx.current_tenant()?
            .suppression_k
            .max(domain::tenant::MIN_SUPPRESSION_K),
    )
    .unwrap_or(3);
    let all = tx.submissions(&c.id)?;
    let subs: Vec<&Submission> = all
        .iter()
        .filter(|s| s.status == SubmissionStatus::Submitted)
        .collect();
    let members = l
        .stints
        .iter()
        .filter(|m| m.status == MemberStatus::Active)
        .count();
    let participation = ParticipationCount {
        members,
        submitted: subs.len(),
    };
    let mut dto = AnalysisDto {
        cycle_id: c.id.to_string(),
        status: c.status.as_str().into(),
        participation,
        k,
        areas: None,
        named: None,
        narratives: None,
        trend: None,
        collaboration: None,
    };
    if matches!(c.status, CycleStatus::Draft | CycleStatus::Open) {
        return Ok(dto);
    }
    let def = framework_version(tx, &c.framework_id, c.framework_version)?.definition;
    let my_orgs: Vec<OrganisationId> = match &auth.0 {
        Principal::User(u) => u
            .memberships
            .iter()
            .map(|m| m.organisation_id.clone())
            .collect(),
        _ => Vec::new(),
    };
    let own_sub = subs
        .iter()
        .copied()
        .find(|s| my_orgs.contains(&s.organisation));
    let areas = def
        .areas
        .iter()
        .map(|a| {
            let codes: Vec<&str> = a
                .sub_themes
                .iter()
                .flat_map(|s| s.criteria.iter().map(|c| c.code.as_str()))
                .collect();
            let school = measure(&subs, &codes, &def, k, |x| x.school);
            let partnership = measure(&subs, &codes, &def, k, |x| x.partnership);
            let own_school = own(own_sub, &codes, &school);
            let sub_themes = a
                .sub_themes
                .iter()
                .map(|st| {
                    let codes: Vec<&str> = st.criteria.iter().map(|c| c.code.as_str()).collect();
                    let school = measure(&subs, &codes, &def, k, |x| x.school);
                    let partnership = measure(&subs, &codes, &def, k, |x| x.partnership);
                    let own_school = own(own_sub, &codes, &school);
                    let criteria = st
                        .criteria
                        .iter()
                        .map(|cr| CriterionAnalysis {
                            code: cr.code.clone(),
                            school: measure(&subs, &[cr.code.as_str()], &def, k, |x| x.school),
                            partnership: measure(&subs, &[cr.code.as_str()], &def, k, |x| {
                                x.partnership
                            }),
                        })
                        .collect();
                    SubThemeAnalysis {
                        code: st.code.clone(),
                        title: st.title.clone(),
                        school,
                        partnership,
                        own_school,
                        criteria,
                    }
                })
                .collect();
            AreaAnalysis {
                code: a.code.clone(),
                title: a.title.clone(),
                school,
                partnership,
                own_school,
                sub_themes,
            }
        })
        .collect();
    dto.areas = Some(areas);

    // Named schools and narratives: each by its own consent, each read recorded.
    let resource = format!("/v1/cycles/{}/analysis", c.id);
    let mut named = Vec::new();
    let mut narratives = Vec::new();
    let others: Vec<&Submission> = subs
        .iter()
        .copied()
        .filter(|s| !my_orgs.contains(&s.organisation))
        .collect();
    let ids: Vec<&OrganisationId> = others.iter().map(|s| &s.organisation).collect();
    let names = tx.organisation_names(&ids)?;
    let mut live = sharing::live_consents_of(tx, &ids, today())?;
    for s in others {
        let consents = live.remove(&s.organisation).unwrap_or_default();
        if let NamedDataAccess::Consent {
            consent,
            viewer_organisation,
        } = named_data(
            &auth.0,
            &s.organisation,
            DataCategory::EvaluationScores,
            &consents,
            today(),
        ) {
            sharing::record_read(
                tx,
                &auth.0,
                input.request.as_deref(),
                sharing::NamedRead {
                    owner: &s.organisation,
                    category: DataCategory::EvaluationScores,
                    resource: &resource,
                    consent: &consent,
                    viewer_organisation,
                },
            )?;
            named.push(NamedSchool {
                organisation_id: s.organisation.to_string(),
                organisation_name: crate::routes::name_in(&names, s.organisation.as_str()),
                areas: def
                    .areas
                    .iter()
                    .map(|a| {
                        let codes: Vec<&str> = a
                            .sub_themes
                            .iter()
                            .flat_map(|st| st.criteria.iter().map(|c| c.code.as_str()))
                            .collect();
                        NamedArea {
                            code: a.code.clone(),
                            school_mean: school_mean(&s.scores, &codes, |x| x.school).map(round2),
                            partnership_mean: school_mean(&s.scores, &codes, |x| x.partnership)
                                .map(round2),
                        }
                    })
                    .collect(),
                consent_id: consent.to_string(),
            });
        }
        if let NamedDataAccess::Consent {
            consent,
            viewer_organisation,
        } = named_data(
            &auth.0,
            &s.organisation,
            DataCategory::EvaluationNarrative,
            &consents,
            today(),
        ) {
            sharing::record_read(
                tx,
                &auth.0,
                input.request.as_deref(),
                sharing::NamedRead {
                    owner: &s.organisation,
                    category: DataCategory::EvaluationNarrative,
                    resource: &resource,
                    consent: &consent,
                    viewer_organisation,
                },
            )?;
            narratives.extend(s.narratives.iter().map(|n| SharedNarrative {
                organisation_id: s.organisation.to_string(),
                area: n.area.clone(),
                strengths: n.strengths.clone(),
                areas_for_development: n.areas_for_development.clone(),
            }));
        }
    }
    if let Some(o) = own_sub {
        narratives.extend(o.narratives.iter().map(|n| SharedNarrative {
            organisation_id: o.organisation.to_string(),
            area: n.area.clone(),
            strengths: n.strengths.clone(),
            areas_for_development: n.areas_for_development.clone(),
        }));
    }
    dto.named = Some(named);
    dto.narratives = Some(narratives);

    // Trend: earlier closed or published cycles, on the criteria this one shares with them.
    let mut trend = Vec::new();
    for earlier in tx.list_cycles(&c.partnership)? {
        if earlier.id == c.id
            || earlier.created_at >= c.created_at
            || matches!(earlier.status, CycleStatus::Draft | CycleStatus::Open)
        {
            continue;
        }
        let then =
            framework_version(tx, &earlier.framework_id, earlier.framework_version)?.definition;
        let past = tx.submissions(&earlier.id)?;
        let past: Vec<&Submission> = past
            .iter()
            .filter(|s| s.status == SubmissionStatus::Submitted)
            .collect();
        let mut areas = Vec::new();
        let mut no_baseline = Vec::new();
        for a in &def.areas {
            let codes: Vec<&str> = a
                .sub_themes
                .iter()
                .flat_map(|st| st.criteria.iter().map(|c| c.code.as_str()))
                .filter(|code| then.criterion(code).is_some())
                .collect();
            if codes.is_empty() {
                no_baseline.push(a.code.clone());
                continue;
            }
            areas.push(NamedArea {
                code: a.code.clone(),
                school_mean: mean_of(&measure(&past, &codes, &then, k, |x| x.school)),
                partnership_mean: mean_of(&measure(&past, &codes, &then, k, |x| x.partnership)),
            });
        }
        trend.push(TrendPoint {
            cycle_id: earlier.id.to_string(),
            title: earlier.title.clone(),
            areas,
            no_baseline,
        });
    }
    dto.trend = Some(trend);

    let scores: Vec<Vec<Score>> = subs.iter().map(|s| s.scores.clone()).collect();
    dto.collaboration = Some(if subs.len() >= k {
        let (trust, challenge, form) = collaboration(&def, &scores);
        Collaboration {
            trust,
            challenge,
            form: form.map(|f| f.as_str().to_owned()),
        }
    } else {
        Collaboration {
            trust: None,
            challenge: None,
            form: None,
        }
    });
    Ok(dto)
}

async fn analysis_of(state: &web::Data<AppState>, auth: Auth, id: &str) -> ApiResult<AnalysisDto> {
    let id = path_id(id, "cycle", CycleId::parse)?;
    let tenant = auth.tenant()?.clone();
    let input = Input {
        auth,
        request: request_id::current().map(|r| r.to_string()),
    };
    // A write transaction: reads of named data are access-audited in the same transaction.
    state
        .db
        .write(&tenant, move |tx| {
            let (c, l) = load_cycle(tx, &id)?;
            compute(tx, &input, &c, &l)
        })
        .await
}

/// The analysis of a cycle as you may see it: per area, sub-theme and criterion, statistics of
/// the school and partnership scores (suppressed below the tenant's *k* schools), your school
/// against the partnership, named schools and narratives where their consent reaches you,
/// trend against earlier cycles, and the collaboration form. While the cycle is open, only
/// participation.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path, description = "Cycle id, `cyc_…`")),
    responses(
        (status = 200, description = "The analysis", body = AnalysisDto),
        (status = 403, description = "Pending or former member", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle you may know of", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/cycles/{id}/analysis")]
pub async fn cycle_analysis(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    Ok(HttpResponse::Ok().json(analysis_of(&state, auth, &id).await?))
}

fn csv_row(level: &str, code: &str, title: &str, measure: &str, a: &Aggregate, out: &mut String) {
    let esc = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let nums = match a {
        Aggregate::Shown(s) => format!("{},{},{},{},{}", s.n, s.mean, s.median, s.min, s.max),
        Aggregate::Suppressed { .. } => ",,,,".into(),
    };
    out.push_str(&format!(
        "{level},{},{},{measure},{nums}\n",
        esc(code),
        esc(title)
    ));
}

/// The analysis as CSV: one row per area, sub-theme and criterion, for school and partnership
/// scores; suppressed rows have no numbers.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path, description = "Cycle id, `cyc_…`")),
    responses(
        (status = 200, description = "CSV", content_type = "text/csv", body = String),
        (status = 403, description = "Pending or former member", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle you may know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The cycle is not closed yet", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/cycles/{id}/analysis.csv")]
pub async fn cycle_analysis_csv(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let dto = analysis_of(&state, auth, &id).await?;
    let areas = dto.areas.ok_or(ApiError::Conflict {
        code: "cycle_not_closed",
        detail: "the analysis is available once the cycle closes".into(),
    })?;
    let mut out = String::from("level,code,title,measure,n,mean,median,min,max\n");
    for a in &areas {
        csv_row("area", &a.code, &a.title, "school", &a.school, &mut out);
        csv_row(
            "area",
            &a.code,
            &a.title,
            "partnership",
            &a.partnership,
            &mut out,
        );
        for st in &a.sub_themes {
            csv_row(
                "sub_theme",
                &st.code,
                &st.title,
                "school",
                &st.school,
                &mut out,
            );
            csv_row(
                "sub_theme",
                &st.code,
                &st.title,
                "partnership",
                &st.partnership,
                &mut out,
            );
            for c in &st.criteria {
                csv_row("criterion", &c.code, "", "school", &c.school, &mut out);
                csv_row(
                    "criterion",
                    &c.code,
                    "",
                    "partnership",
                    &c.partnership,
                    &mut out,
                );
            }
        }
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .body(out))
}

/// The analysis as an SVG chart: for each sub-theme, grouped under its area, the partnership's
/// mean school score beside your own school's.
#[utoipa::path(
    tag = "evaluations",
    params(("id" = String, Path, description = "Cycle id, `cyc_…`")),
    responses(
        (status = 200, description = "SVG", content_type = "image/svg+xml", body = String),
        (status = 403, description = "Pending or former member", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle you may know of", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The cycle is not closed yet", body = Problem, content_type = "application/problem+json"),
        crate::openapi::Gatekeeping,
    ),
    security(("bearer" = []))
)]
#[get("/cycles/{id}/analysis.svg")]
pub async fn cycle_analysis_svg(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let dto = analysis_of(&state, auth, &id).await?;
    let areas = dto.areas.ok_or(ApiError::Conflict {
        code: "cycle_not_closed",
        detail: "the analysis is available once the cycle closes".into(),
    })?;
    let svg = crate::chart::sub_theme_bars(&areas).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/svg+xml"))
        .body(svg))
}
