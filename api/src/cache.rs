//! Shared, losable state: Redis when configured, in-process otherwise.
//!
//! Nothing kept here may be needed to keep data or to keep it private (DESIGN §5): entries are
//! caches and counters. When Redis fails, calls fall back to the in-process store for a short
//! while and then try Redis again, so requests keep succeeding. Callers that cache data must
//! put a version in the key, so that an invalidation lost while Redis was down cannot serve
//! stale data later.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::AsyncCommands;

/// How long Redis is left alone after a failure.
const BACKOFF: Duration = Duration::from_secs(2);
/// How long one Redis call may take before it counts as a failure.
const TIMEOUT: Duration = Duration::from_millis(300);
/// In-process entries beyond this are swept of expired ones.
const SWEEP_AT: usize = 10_000;

/// The cache: Redis or in-process.
pub enum Cache {
    /// One instance, nothing shared.
    Memory(MemoryCache),
    /// Shared between instances, with an in-process fallback.
    Redis(Box<RedisCache>),
}

impl Cache {
    /// In-process only.
    pub fn memory() -> Self {
        Cache::Memory(MemoryCache::default())
    }

    /// Redis at `url`; the connection is made on first use. Fails only on a malformed URL.
    pub fn redis(url: &str) -> anyhow::Result<Self> {
        Ok(Cache::Redis(Box::new(RedisCache {
            client: redis::Client::open(url)?,
            conn: tokio::sync::Mutex::new(None),
            down_until: Mutex::new(None),
            fallback: MemoryCache::default(),
        })))
    }

    /// Which kind this is, for `/readyz` and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Cache::Memory(_) => "memory",
            Cache::Redis(_) => "redis",
        }
    }

    /// A value, if present and fresh.
    pub async fn get(&self, key: &str) -> Option<Vec<u8>> {
        match self {
            Cache::Memory(m) => m.get(key),
            Cache::Redis(r) => match r
                .call(|mut c| async move { c.get::<_, Option<Vec<u8>>>(key).await })
                .await
            {
                Some(v) => v,
                None => r.fallback.get(key),
            },
        }
    }

    /// Stores a value for `ttl`.
    pub async fn set(&self, key: &str, value: &[u8], ttl: Duration) {
        match self {
            Cache::Memory(m) => m.set(key, value, ttl),
            Cache::Redis(r) => {
                let secs = ttl.as_secs().max(1);
                let ok = r
                    .call(|mut c| async move { c.set_ex::<_, _, ()>(key, value, secs).await })
                    .await;
                if ok.is_none() {
                    r.fallback.set(key, value, ttl);
                }
            }
        }
    }

    /// Removes a value.
    pub async fn delete(&self, key: &str) {
        match self {
            Cache::Memory(m) => m.delete(key),
            Cache::Redis(r) => {
                r.fallback.delete(key);
                let _ = r
                    .call(|mut c| async move { c.del::<_, ()>(key).await })
                    .await;
            }
        }
    }

    /// Counts one more hit in the fixed window `key` of `window` length; returns the count so
    /// far and the seconds until the window resets.
    pub async fn hit(&self, key: &str, window: Duration) -> (u64, u64) {
        match self {
            Cache::Memory(m) => m.hit(key, window),
            Cache::Redis(r) => {
                let secs = window.as_secs().max(1);
                let result = r
                    .call(|mut c| async move {
                        let (count, _, ttl): (u64, i64, i64) = redis::pipe()
                            .atomic()
                            .incr(key, 1u64)
                            .cmd("EXPIRE")
                            .arg(key)
                            .arg(secs)
                            .arg("NX")
                            .ttl(key)
                            .query_async(&mut c)
                            .await?;
                        Ok((count, u64::try_from(ttl).unwrap_or(secs)))
                    })
                    .await;
                result.unwrap_or_else(|| r.fallback.hit(key, window))
            }
        }
    }
}

/// In-process entries with expiry.
#[derive(Default)]
pub struct MemoryCache {
    entries: Mutex<HashMap<String, (Vec<u8>, Instant)>>,
}

impl MemoryCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Vec<u8>, Instant)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, key: &str) -> Option<Vec<u8>> {
        let map = self.lock();
        map.get(key)
            .filter(|(_, exp)| *exp > Instant::now())
            .map(|(v, _)| v.clone())
    }

    fn set(&self, key: &str, value: &[u8], ttl: Duration) {
        let mut map = self.lock();
        let now = Instant::now();
        if map.len() >= SWEEP_AT {
            map.retain(|_, (_, exp)| *exp > now);
        }
        map.insert(key.to_owned(), (value.to_vec(), now + ttl));
    }

    fn delete(&self, key: &str) {
        self.lock().remove(key);
    }

    fn hit(&self, key: &str, window: Duration) -> (u64, u64) {
        let mut map = self.lock();
        let now = Instant::now();
        if map.len() >= SWEEP_AT {
            map.retain(|_, (_, exp)| *exp > now);
        }
        let entry = map
            .entry(key.to_owned())
            .or_insert_with(|| (0u64.to_le_bytes().to_vec(), now + window));
        if entry.1 <= now {
            *entry = (0u64.to_le_bytes().to_vec(), now + window);
        }
        let mut n = [0u8; 8];
        n.copy_from_slice(&entry.0[..8]);
        let count = u64::from_le_bytes(n) + 1;
        entry.0 = count.to_le_bytes().to_vec();
        let reset = entry.1.saturating_duration_since(now).as_secs().max(1);
        (count, reset)
    }
}

/// Redis with a lazily made connection, a per-call timeout and a back-off after failures.
pub struct RedisCache {
    client: redis::Client,
    conn: tokio::sync::Mutex<Option<ConnectionManager>>,
    down_until: Mutex<Option<Instant>>,
    fallback: MemoryCache,
}

impl RedisCache {
    fn is_down(&self) -> bool {
        let d = self.down_until.lock().unwrap_or_else(|p| p.into_inner());
        d.is_some_and(|t| Instant::now() < t)
    }

    fn mark_down(&self, why: &str) {
        let mut d = self.down_until.lock().unwrap_or_else(|p| p.into_inner());
        if d.is_none_or(|t| Instant::now() >= t) {
            tracing::warn!(error = why, "redis unavailable; using in-process fallback");
        }
        *d = Some(Instant::now() + BACKOFF);
    }

    async fn connection(&self) -> Option<ConnectionManager> {
        let mut guard = self.conn.lock().await;
        if let Some(c) = guard.as_ref() {
            return Some(c.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(1);
        match tokio::time::timeout(
            TIMEOUT * 2,
            ConnectionManager::new_with_config(self.client.clone(), config),
        )
        .await
        {
            Ok(Ok(c)) => {
                *guard = Some(c.clone());
                Some(c)
            }
            Ok(Err(e)) => {
                self.mark_down(&e.to_string());
                None
            }
            Err(_) => {
                self.mark_down("connection timed out");
                None
            }
        }
    }

    /// Runs one Redis call; `None` if Redis is down or the call failed.
    async fn call<T, F, Fut>(&self, f: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        if self.is_down() {
            return None;
        }
        let conn = self.connection().await?;
        match tokio::time::timeout(TIMEOUT, f(conn)).await {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                self.mark_down(&e.to_string());
                None
            }
            Err(_) => {
                self.mark_down("call timed out");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_cache_expires_and_counts_windows() {
        let c = Cache::memory();
        c.set("a", b"1", Duration::from_millis(30)).await;
        assert_eq!(c.get("a").await, Some(b"1".to_vec()));
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(c.get("a").await, None);
        assert_eq!(c.hit("w", Duration::from_secs(60)).await.0, 1);
        assert_eq!(c.hit("w", Duration::from_secs(60)).await.0, 2);
        c.delete("w").await;
        assert_eq!(c.hit("w", Duration::from_secs(60)).await.0, 1);
    }

    #[tokio::test]
    async fn unreachable_redis_falls_back_to_memory() {
        // Port 1 on loopback refuses at once.
        let c = Cache::redis("redis://127.0.0.1:1/").expect("url");
        assert_eq!(c.hit("k", Duration::from_secs(60)).await.0, 1);
        assert_eq!(c.hit("k", Duration::from_secs(60)).await.0, 2);
        c.set("x", b"v", Duration::from_secs(5)).await;
        assert_eq!(c.get("x").await, Some(b"v".to_vec()));
    }
}
