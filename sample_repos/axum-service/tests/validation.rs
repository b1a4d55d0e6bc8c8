use notes_service::db::NewNote;
use notes_service::error::ApiError;
use notes_service::routes::validate;

fn note(title: &str, tags: usize) -> NewNote {
    NewNote { title: title.to_string(), body: String::new(), tags: (0..tags).map(|i| format!("t{i}")).collect() }
}

#[test]
fn accepts_a_plain_note() {
    assert!(validate(&note("groceries", 2)).is_ok());
}

#[test]
fn rejects_an_empty_title() {
    assert!(matches!(validate(&note("   ", 0)), Err(ApiError::Invalid(_))));
}

#[test]
fn rejects_too_many_tags() {
    assert!(matches!(validate(&note("x", 11)), Err(ApiError::Invalid(_))));
}
