use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct Note {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
pub struct NewNote {
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

pub async fn insert(pool: &PgPool, note: &NewNote) -> Result<Note, sqlx::Error> {
    sqlx::query_as::<_, Note>(
        "INSERT INTO notes (title, body, tags) VALUES ($1, $2, $3) RETURNING id, title, body, tags, created_at",
    )
    .bind(&note.title)
    .bind(&note.body)
    .bind(&note.tags)
    .fetch_one(pool)
    .await
}

pub async fn find(pool: &PgPool, id: i64) -> Result<Option<Note>, sqlx::Error> {
    sqlx::query_as::<_, Note>("SELECT id, title, body, tags, created_at FROM notes WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn list(pool: &PgPool) -> Result<Vec<Note>, sqlx::Error> {
    sqlx::query_as::<_, Note>("SELECT id, title, body, tags, created_at FROM notes ORDER BY id")
        .fetch_all(pool)
        .await
}
