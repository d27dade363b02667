package main

import (
	"embed"
	"io/fs"
	"net/http"
)

// static holds the page: plain HTML, CSS and JavaScript, no build step.
//
//go:embed static
var static embed.FS

// pageFiles returns static without its directory prefix.
func pageFiles() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil { // a constant, valid directory name
		return static
	}
	return sub
}

// GET /: the page.
func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	http.ServeFileFS(w, r, s.files, "index.html")
}

// GET /static/...: the page's script and style sheet.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Path[len("/static/"):]
	if _, err := fs.Stat(s.files, name); err != nil || name == "" {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	http.ServeFileFS(w, r, s.files, name)
}
