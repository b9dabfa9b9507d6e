/**
 * net/http services as they are written without a router library: method-filter wrappers
 * (`methods(h, "GET", "HEAD")`, `onlyPost(h)`), handlers that switch on `r.Method`, subtree
 * patterns whose handler reads the rest of the path, a route table ranged over, optional versus
 * required auth middleware held in local variables, and statuses that travel inside an error
 * value to a `writeError` helper.
 */
import { describe, expect, it } from 'vitest';
import { netHttpExtractor } from '../../extractors/go/index.js';
import { inMemoryProject } from '../../extractors/project.js';
import { authClassOf } from '../../extractors/score.js';
import type { EndpointFacts, ExtractionWarning } from '../../extractors/types.js';

const MAIN = `package main

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

const api = "/api"

type route struct {
	path    string
	handler http.HandlerFunc
}

type apiError struct {
	Status int
	Msg    string
}

func (e *apiError) Error() string { return e.Msg }

func notFound(msg string) error { return &apiError{Status: http.StatusNotFound, Msg: msg} }
func conflict(msg string) error { return &apiError{Status: http.StatusConflict, Msg: msg} }

type Store struct{}

func (s *Store) find(id string) (string, error) {
	if id == "0" {
		return "", notFound("no such item")
	}
	return id, nil
}

func (s *Store) Remove(id string) error {
	_, err := s.find(id)
	if err != nil {
		return err
	}
	return conflict("in use")
}

func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		http.Error(w, ae.Msg, ae.Status)
		return
	}
	http.Error(w, "internal", http.StatusInternalServerError)
}

func methods(h http.HandlerFunc, allowed ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for _, m := range allowed {
			if r.Method == m {
				h(w, r)
				return
			}
		}
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func onlyPost(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h(w, r)
	}
}

func requireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func optionalAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { next.ServeHTTP(w, r) })
}

type Handler struct{ store *Store }

func (h *Handler) Get(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }

func (h *Handler) Search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	http.Redirect(w, r, "/find?q="+q, http.StatusFound)
}

func (h *Handler) Items(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		w.Write([]byte("[]"))
	case http.MethodPost:
		w.WriteHeader(http.StatusCreated)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (h *Handler) Item(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, api+"/items/")
	if id == "" || strings.Contains(id, "/") {
		http.NotFound(w, r)
		return
	}
	if err := h.store.Remove(id); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) Status(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/status/")
	w.Write([]byte(rest))
}

func (h *Handler) Bytes(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/bytes/"))
	if err != nil {
		http.Error(w, "bad count", http.StatusBadRequest)
		return
	}
	w.Write(make([]byte, n))
}

func main() {
	h := &Handler{store: &Store{}}
	mux := http.NewServeMux()
	for _, rt := range []route{
		{"/get", methods(h.Get, "GET", "HEAD")},
		{path: "/search", handler: methods(h.Search, http.MethodGet)},
	} {
		mux.HandleFunc(rt.path, rt.handler)
	}
	mux.HandleFunc("/submit", onlyPost(h.Get))
	mux.Handle(api+"/items", optionalAuth(http.HandlerFunc(h.Items)))
	mux.Handle(api+"/items/", requireAuth(methods(h.Item, http.MethodDelete)))
	mux.HandleFunc("/status/", h.Status)
	mux.HandleFunc("/bytes/", h.Bytes)
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.Dir("public"))))
	http.ListenAndServe(":8080", mux)
}
`;

function extract(): { endpoints: Map<string, EndpointFacts>; warnings: ExtractionWarning[] } {
  const files: Record<string, string> = { 'go.mod': 'module example.com/shop\n\ngo 1.21\n', 'main.go': MAIN };
  const warnings: ExtractionWarning[] = [];
  const project = inMemoryProject('/app', (file) => files[file] ?? '', Object.keys(files));
  const endpoints = netHttpExtractor.extract({ project, warn: (w) => warnings.push(w) });
  return { endpoints: new Map(endpoints.map((e) => [`${e.method} ${e.path}`, e])), warnings };
}

const statuses = (e: EndpointFacts | undefined) => [...new Set(e!.outcomes.map((o) => o.status))].sort();

describe('net/http without a router library', () => {
  it('reads methods from wrappers and method switches, the rest of a subtree as a parameter, and a route table', () => {
    const { endpoints, warnings } = extract();
    expect(warnings).toEqual([]);
    expect([...endpoints.keys()].sort()).toEqual(
      [
        'GET /get',
        'HEAD /get',
        'GET /search',
        'POST /submit',
        'GET /api/items',
        'POST /api/items',
        'DELETE /api/items/{id}',
        // no method filter: any method
        '* /status/{rest*}',
        '* /bytes/{n}',
        '* /static/{path*}',
      ].sort(),
    );
  });

  it("reads each case of a method switch as that method's, and a wrapper's 405 as the route's", () => {
    const { endpoints } = extract();
    expect(statuses(endpoints.get('GET /api/items'))).toEqual([200, 405]);
    expect(statuses(endpoints.get('POST /api/items'))).toEqual([201, 405]);
    expect(statuses(endpoints.get('POST /submit'))).toEqual([200, 405]);
    // r.URL.Query().Get is the standard library's, not the project's Handler.Get (no 200 from it).
    expect(statuses(endpoints.get('GET /search'))).toEqual([302, 405]);
    expect(statuses(endpoints.get('* /static/{path*}'))).toContain(304);
  });

  it('follows statuses carried in an error value to the helper that writes them, and tells optional from required auth', () => {
    const { endpoints } = extract();
    // notFound through find() and `return err`, conflict directly; the helper's own 500 fallback stays.
    expect(statuses(endpoints.get('DELETE /api/items/{id}'))).toEqual([204, 401, 404, 405, 409, 500]);
    expect(authClassOf(endpoints.get('DELETE /api/items/{id}')!)).toBe('required');
    expect(authClassOf(endpoints.get('GET /api/items')!)).toBe('optional');
    expect(authClassOf(endpoints.get('GET /get')!)).toBe('none');
  });
});
