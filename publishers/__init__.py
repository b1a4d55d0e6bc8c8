"""Publishers: the side effects of an audit (report files on disk; later PR comments, statuses, history)."""
