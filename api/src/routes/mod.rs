//! Every route, registered so that utoipa-actix-web collects it into the OpenAPI document.

pub mod agreements;
pub mod api_clients;
pub mod audit;
pub mod auth;
pub mod consents;
pub mod evaluations;
pub mod me;
pub mod ops;
pub mod organisations;
pub mod partnerships;
pub mod tenants;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Routes outside `/v1`.
pub fn root(cfg: &mut ServiceConfig) {
    cfg.service(ops::healthz)
        .service(ops::readyz)
        .service(ops::metrics)
        .service(ops::jwks);
}

/// Routes under `/v1`.
pub fn v1(cfg: &mut ServiceConfig) {
    cfg.configure(auth::routes)
        .service(me::get_me)
        .configure(tenants::routes)
        .configure(organisations::routes)
        .configure(users::routes)
        .configure(api_clients::routes)
        .configure(partnerships::routes)
        .configure(agreements::routes)
        .configure(consents::routes)
        .configure(evaluations::routes)
        .service(audit::list_audit);
}

use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use crate::error::ApiError;

/// The name of `id` in `(id, name)` pairs from a names query; empty if absent.
pub fn name_in(names: &[(String, String)], id: &str) -> String {
    names
        .iter()
        .find(|(i, _)| i == id)
        .map(|(_, n)| n.clone())
        .unwrap_or_default()
}

/// The path templates of the document and their methods, so that the fallback can tell a
/// wrong method (405 with `Allow`) from a wrong path (404).
pub struct AllowIndex(Vec<(Vec<String>, Vec<String>)>);

impl AllowIndex {
    /// Indexes every path of the document.
    pub fn from_document(doc: &utoipa::openapi::OpenApi) -> Self {
        let entries = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .trim_matches('/')
                    .split('/')
                    .map(str::to_owned)
                    .collect();
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter(|(_, present)| *present)
                .map(|(m, _)| m.to_owned())
                .collect();
                (segments, methods)
            })
            .collect();
        AllowIndex(entries)
    }

    fn allowed(&self, path: &str) -> Option<String> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let mut methods: Vec<&str> = self
            .0
            .iter()
            .filter(|(segs, _)| {
                segs.len() == parts.len()
                    && segs
                        .iter()
                        .zip(&parts)
                        .all(|(s, p)| (s.starts_with('{') && !p.is_empty()) || s == p)
            })
            .flat_map(|(_, ms)| ms.iter().map(String::as_str))
            .collect();
        methods.sort_unstable();
        methods.dedup();
        (!methods.is_empty()).then(|| methods.join(", "))
    }
}

/// Answers every request no route matched: 405 if the path exists with other methods, else 404.
pub async fn fallback(req: HttpRequest, index: web::Data<AllowIndex>) -> HttpResponse {
    match index.allowed(req.path()) {
        Some(allow) => ApiError::MethodNotAllowed(allow).error_response(),
        None => ApiError::NotFound("route").error_response(),
    }
}
