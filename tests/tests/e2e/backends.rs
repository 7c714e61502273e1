//! The cache / counters / sessions / pub-sub contract against a real Redis, and fan-out
//! between two backend instances sharing it.

use std::time::Duration;

use server::backend::{Backends, contract};

fn redis_url() -> Option<String> {
    tests::services::required_services().map(|(_, redis)| redis)
}

#[tokio::test]
async fn redis_backend_meets_the_contract() {
    let Some(url) = redis_url() else { return };
    let prefix = format!("pmtest:{}:", uuid::Uuid::new_v4().simple());
    let backends = Backends::redis(&url, &prefix)
        .await
        .expect("redis reachable");
    contract::check_all(&backends).await;
}

#[tokio::test]
async fn redis_pubsub_reaches_another_instance_and_prefixes_isolate() {
    let Some(url) = redis_url() else { return };
    let prefix = format!("pmtest:{}:", uuid::Uuid::new_v4().simple());
    let a = Backends::redis(&url, &prefix).await.unwrap();
    let b = Backends::redis(&url, &prefix).await.unwrap();
    let other = Backends::redis(&url, &format!("{prefix}other:"))
        .await
        .unwrap();
    let mut on_b = b.pubsub.subscribe("audit").await.unwrap();
    let mut on_other = other.pubsub.subscribe("audit").await.unwrap();
    a.pubsub
        .publish("audit", "from A".to_owned())
        .await
        .unwrap();
    let got = tokio::time::timeout(Duration::from_secs(5), on_b.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got, "from A");
    a.cache.set("shared", b"1", None).await.unwrap();
    assert_eq!(
        b.cache.get("shared").await.unwrap().as_deref(),
        Some(&b"1"[..])
    );
    assert_eq!(
        other.cache.get("shared").await.unwrap(),
        None,
        "prefixes isolate tests"
    );
    assert!(on_other.try_recv().is_err());
}
