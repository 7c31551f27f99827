//! Users, roles, passwords, sessions, tokens and the security record.

use super::*;

contract!(users_roles_and_passwords, sessions_and_tokens, security_record_and_throttle_count,);

async fn users_roles_and_passwords<S: Store>(s: S) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    let police = s.list_units(UnitFilter { region: Some(code("990102")), ..Default::default() }).await.unwrap().remove(0);
    let new =
        |name: &str, roles: Vec<Role>| NewUser { unit_id: police.id, username: name.into(), display_name: "张三".into(), password_hash: "h1".into(), roles };
    let judge = s.create_user(new("zhang", vec![Role::Judge]), By::system(3)).await;
    assert!(matches!(&judge, Err(StoreError::Invalid(m)) if m.contains("judge")), "{judge:?}");
    let u = s.create_user(new("zhang", vec![Role::PoliceOfficer]), By::system(3)).await.unwrap().value;
    assert_eq!(u.roles, vec![Role::PoliceOfficer]);
    assert!(matches!(s.create_user(new("zhang", vec![Role::PoliceOfficer]), By::system(3)).await, Err(StoreError::Duplicate { .. })));
    let (found, hash) = s.credentials("zhang").await.unwrap().unwrap();
    assert_eq!((found.id, hash.as_str()), (u.id, "h1"));
    assert!(s.credentials("nobody").await.unwrap().is_none());
    s.set_password(u.id, "h2".into(), By::system(4)).await.unwrap();
    assert_eq!(s.credentials("zhang").await.unwrap().unwrap().1, "h2");
    let changed = s
        .update_user(
            u.id,
            UserChange { roles: Some(vec![Role::PoliceOfficer, Role::Admin]), display_name: Some("张三丰".into()), ..Default::default() },
            By::system(5),
        )
        .await
        .unwrap()
        .value;
    assert_eq!((changed.roles.len(), changed.display_name.as_str()), (2, "张三丰"));
    assert!(s.update_user(u.id, UserChange { roles: Some(vec![Role::Mediator]), ..Default::default() }, By::system(5)).await.is_err());
    assert_eq!(s.user(u.id).await.unwrap().roles.len(), 2, "a refused change changes nothing");
    assert_eq!(s.users_of_unit(police.id).await.unwrap().len(), 1);
}

async fn sessions_and_tokens<S: Store>(s: S) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    let (user, _) = s.credentials("police1").await.unwrap().unwrap();
    s.create_session(NewSession { token_hash: "sess".into(), user_id: user.id, csrf_token: "csrf".into(), created_at: 10, expires_at: 100 }).await.unwrap();
    let p = s.session("sess", 50).await.unwrap().unwrap();
    assert_eq!((p.user.username.as_str(), p.unit.name.as_str(), p.csrf_token.as_str()), ("police1", "甲一县公安局", "csrf"));
    assert_eq!(p.actor().region, code("990101"));
    assert!(s.session("sess", 100).await.unwrap().is_none(), "expired");
    assert!(s.session("other", 50).await.unwrap().is_none());

    let t = s.create_token(user.id, "ci".into(), "tok".into(), By::system(20)).await.unwrap().value;
    assert!(s.token("tok", 30).await.unwrap().is_some());
    assert_eq!(s.tokens_of_user(user.id).await.unwrap()[0].last_used_at, Some(30));
    assert!(matches!(s.revoke_token(user.id + 1, t.id, By::system(40)).await, Err(StoreError::NotFound("token"))), "only the owner revokes");
    assert_eq!(s.revoke_token(user.id, t.id, By::system(40)).await.unwrap().value.revoked_at, Some(40));
    assert!(s.token("tok", 50).await.unwrap().is_none());

    s.update_user(user.id, UserChange { disabled: Some(true), ..Default::default() }, By::system(5)).await.unwrap();
    assert!(s.session("sess", 50).await.unwrap().is_none(), "disabling a user ends their sessions");
}

async fn security_record_and_throttle_count<S: Store>(s: S) {
    s.seed(small_org(), By::system(1)).await.unwrap();
    let ev = |at, kind, user: &str, client: &str, region: Option<&str>| NewSecurityEvent {
        at,
        kind,
        username: Some(user.into()),
        user_id: None,
        region: region.map(code),
        client: Some(client.into()),
        detail: "x".into(),
    };
    for at in [100, 200, 300] {
        s.record(ev(at, "sign_in_failed", "police1", "1.2.3.4", None)).await.unwrap();
    }
    s.record(ev(400, "access_denied", "police1", "1.2.3.4", Some("990101"))).await.unwrap();
    assert_eq!(s.failed_sign_ins_since("police1", "9.9.9.9", 150).await.unwrap(), (2, 0));
    assert_eq!(s.failed_sign_ins_since("other", "1.2.3.4", 0).await.unwrap(), (0, 3), "counted by client too");
    assert_eq!(s.security_events("9901", 10).await.unwrap().len(), 1);
    assert_eq!(s.security_events("99", 10).await.unwrap().len(), 4, "the province sees events without a region");
}
