module github.com/example/shelf/worker

go 1.22
