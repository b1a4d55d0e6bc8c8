"""Publishers: the side effects of an audit beyond its report files (PR comments, commit statuses, CI
annotations and summaries, the history store)."""
