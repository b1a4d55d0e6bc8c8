use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use sqlx::PgPool;

use crate::db::{self, NewNote, Note};
use crate::error::ApiError;

pub fn router(pool: PgPool) -> Router {
    Router::new()
        .route("/api/v1/notes", get(list_notes).post(create_note))
        .route("/api/v1/notes/:id", get(get_note))
        .with_state(pool)
}

pub fn validate(note: &NewNote) -> Result<(), ApiError> {
    if note.title.trim().is_empty() {
        return Err(ApiError::Invalid("title must not be empty".into()));
    }
    if note.tags.len() > 10 {
        return Err(ApiError::Invalid("at most 10 tags".into()));
    }
    Ok(())
}

async fn list_notes(State(pool): State<PgPool>) -> Json<Vec<Note>> {
    let notes = db::list(&pool).await.unwrap();
    Json(notes)
}

async fn create_note(State(pool): State<PgPool>, Json(input): Json<NewNote>) -> Result<(StatusCode, Json<Note>), ApiError> {
    validate(&input)?;
    let note = db::insert(&pool, &input).await?;
    Ok((StatusCode::CREATED, Json(note)))
}

async fn get_note(State(pool): State<PgPool>, Path(id): Path<i64>) -> Result<Json<Note>, ApiError> {
    db::find(&pool, id).await?.map(Json).ok_or(ApiError::NotFound(id))
}
