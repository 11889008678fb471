package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the raw server reads PostgreSQL stores
	_ "modernc.org/sqlite"             // and SQLite stores
)

// rawServer is the baseline: the least a Go HTTP server must do to serve a
// tenant by primary key and to apply a version-guarded update, on the same
// store and with the same connection limits as tenantd, without
// authentication, authorization or the API's encoding.
type rawServer struct {
	read, write *sql.DB
	get, put    *sql.Stmt
}

func openRaw(ctx context.Context, dsn string) (*rawServer, error) {
	r := &rawServer{}
	getQ := `SELECT id, parent_id, kind, name, enabled, version, customer_type, customer_id, language,
		contact, created_at, updated_at FROM tenants WHERE id = ? AND deleted_at IS NULL`
	putQ := `UPDATE tenants SET name = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND deleted_at IS NULL`
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if r.read, err = sql.Open("pgx", dsn); err != nil {
			return nil, err
		}
		r.read.SetMaxOpenConns(32)
		r.read.SetMaxIdleConns(32)
		r.write = r.read
		getQ, putQ = pgPlaceholders(getQ), pgPlaceholders(putQ)
	} else {
		pragmas := func(lock string) string {
			q := url.Values{}
			q.Add("_pragma", "journal_mode(WAL)")
			q.Add("_pragma", "synchronous(FULL)")
			q.Add("_pragma", "busy_timeout(10000)")
			q.Set("_txlock", lock)
			return "file:" + dsn + "?" + q.Encode()
		}
		if r.write, err = sql.Open("sqlite", pragmas("immediate")); err != nil {
			return nil, err
		}
		r.write.SetMaxOpenConns(1)
		if r.read, err = sql.Open("sqlite", pragmas("deferred")); err != nil {
			return nil, err
		}
		r.read.SetMaxOpenConns(8)
	}
	if r.get, err = r.read.PrepareContext(ctx, getQ); err != nil {
		return nil, fmt.Errorf("prepare raw read: %w", err)
	}
	if r.put, err = r.write.PrepareContext(ctx, putQ); err != nil {
		return nil, fmt.Errorf("prepare raw update: %w", err)
	}
	return r, nil
}

func pgPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (r *rawServer) Close() {
	_ = r.get.Close()
	_ = r.put.Close()
	_ = r.read.Close()
	if r.write != r.read {
		_ = r.write.Close()
	}
}

func (r *rawServer) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	id := strings.TrimPrefix(req.URL.Path, "/tenants/")
	switch req.Method {
	case http.MethodGet:
		var (
			t                         struct{ ID, ParentID, Kind, Name, CustomerType, Language string }
			enabled                   bool
			version, created, updated int64
			customerID                sql.NullString
			contact                   string
		)
		err := r.get.QueryRowContext(req.Context(), id).Scan(&t.ID, &t.ParentID, &t.Kind, &t.Name, &enabled, &version,
			&t.CustomerType, &customerID, &t.Language, &contact, &created, &updated)
		if errors.Is(err, sql.ErrNoRows) {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": t.ID, "parent_id": t.ParentID, "kind": t.Kind, "name": t.Name,
			"enabled": enabled, "version": version, "customer_type": t.CustomerType, "customer_id": customerID.String,
			"language": t.Language, "contact": json.RawMessage(contact),
			"created_at": time.UnixMicro(created).UTC(), "updated_at": time.UnixMicro(updated).UTC()})
	case http.MethodPut:
		var body struct {
			Version int64  `json:"version"`
			Name    string `json:"name"`
		}
		if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		res, err := r.put.ExecContext(req.Context(), body.Name, time.Now().UnixMicro(), id, body.Version)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		if n, _ := res.RowsAffected(); n == 0 {
			http.Error(w, "version conflict", http.StatusConflict)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "version": body.Version + 1})
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// runRaw serves the raw server on dsn until ctx ends, printing its URL on
// one line of out.
func runRaw(ctx context.Context, dsn string, out io.Writer) error {
	r, err := openRaw(ctx, dsn)
	if err != nil {
		return err
	}
	defer r.Close()
	u, stop, err := serveRaw(r)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintln(out, u)
	<-ctx.Done()
	return nil
}

// startRaw starts this program as the raw server on dsn in a process of its
// own and returns its URL and how to stop it.
func startRaw(ctx context.Context, dsn string) (string, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(exe, "-serve-raw", dsn)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start raw server: %w", err)
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("raw server: %w", err)
	}
	return strings.TrimSpace(line), stop, nil
}

// serveRaw starts the raw server on a free local port and returns its URL.
func serveRaw(r *rawServer) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// version is the stored version of a tenant.
func (r *rawServer) version(ctx context.Context, id string) (int64, error) {
	var v int64
	q := "SELECT version FROM tenants WHERE id = ?"
	if r.read == r.write {
		q = pgPlaceholders(q)
	}
	err := r.read.QueryRowContext(ctx, q, id).Scan(&v)
	return v, err
}
