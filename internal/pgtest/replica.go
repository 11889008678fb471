package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// standbyName is the application name the standby of a Pair connects to
// its primary with, and the primary's synchronous_standby_names.
const standbyName = "pgtest_standby"

// Pair is a primary server and a standby that streams the primary's
// write-ahead log and is its synchronous standby: the primary acknowledges
// a commit only once the standby has written it (synchronous_commit=on,
// synchronous_standby_names naming the standby). Both are durable in the
// sense of StartDurable. Promoting the standby after the primary is lost
// therefore loses no acknowledged commit.
type Pair struct {
	Primary *Cluster
	Standby *Cluster
}

// StartPair starts a primary (wal_level=replica) and a standby made from it
// with pg_basebackup -R, and waits until the primary reports the standby as
// its synchronous standby. It always starts servers of its own, whatever
// TENANTD_TEST_POSTGRES says. ctx bounds the startup only.
func StartPair(ctx context.Context) (*Pair, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startTimeout)
		defer cancel()
	}
	bin, err := binDir()
	if err != nil {
		return nil, fmt.Errorf("start postgres pair: %w", err)
	}
	owner, err := serverAccount()
	if err != nil {
		return nil, fmt.Errorf("start postgres pair: %w", err)
	}
	pdir, err := os.MkdirTemp("", "pgtest-primary-")
	if err != nil {
		return nil, fmt.Errorf("start postgres pair: %w", err)
	}
	// synchronous_standby_names is set with ALTER SYSTEM, not on the
	// command line, so that SetSynchronous can change it.
	primary, err := start(ctx, bin, pdir, owner, true, []string{
		"wal_level=replica",
		"max_wal_senders=4",
		"synchronous_commit=on",
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("start postgres pair: primary: %w", err), removeDir(pdir))
	}
	p := &Pair{Primary: primary}
	if err := p.setStandbyNames(ctx, standbyName); err != nil {
		return nil, errors.Join(fmt.Errorf("start postgres pair: %w", err), primary.Stop())
	}
	p.Standby, err = startStandby(ctx, primary, owner)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("start postgres pair: standby: %w", err), primary.Stop())
	}
	if err := p.waitSync(ctx); err != nil {
		return nil, errors.Join(fmt.Errorf("start postgres pair: %w", err), p.Stop())
	}
	return p, nil
}

// SetSynchronous makes the primary wait for the standby before it
// acknowledges a commit (on, as StartPair leaves it), or not (off:
// asynchronous replication, where a commit acknowledged before the standby
// received it is lost when the standby is promoted). Turning it on waits
// until the standby is synchronous.
func (p *Pair) SetSynchronous(ctx context.Context, on bool) error {
	names := ""
	if on {
		names = standbyName
	}
	if err := p.setStandbyNames(ctx, names); err != nil {
		return err
	}
	if on {
		return p.waitSync(ctx)
	}
	return nil
}

// WaitReplayed waits until the standby has replayed every commit the
// primary made before the call, synchronous or not.
func (p *Pair) WaitReplayed(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, p.Primary.adminURL)
	if err != nil {
		return fmt.Errorf("wait for the standby: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var target string
	if err := conn.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&target); err != nil {
		return fmt.Errorf("wait for the standby: %w", err)
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		var done bool
		err := conn.QueryRow(ctx, `SELECT coalesce(bool_or(replay_lsn >= $1::pg_lsn), false) FROM pg_stat_replication
			WHERE application_name = $2`, target, standbyName).Scan(&done)
		if err != nil {
			return fmt.Errorf("wait for the standby: %w", err)
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for the standby to replay %s: %w", target, ctx.Err())
		case <-tick.C:
		}
	}
}

// setStandbyNames sets the primary's synchronous_standby_names and waits
// until new sessions see it.
func (p *Pair) setStandbyNames(ctx context.Context, names string) error {
	conn, err := pgx.Connect(ctx, p.Primary.adminURL)
	if err != nil {
		return fmt.Errorf("set synchronous_standby_names: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	q := "ALTER SYSTEM SET synchronous_standby_names = " + quoteLiteral(names)
	if _, err := conn.Exec(ctx, q); err != nil {
		return fmt.Errorf("set synchronous_standby_names: %w", err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
		return fmt.Errorf("set synchronous_standby_names: %w", err)
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		var got string
		err := func() error {
			c, err := pgx.Connect(ctx, p.Primary.adminURL)
			if err != nil {
				return err
			}
			defer c.Close(context.WithoutCancel(ctx))
			return c.QueryRow(ctx, "SHOW synchronous_standby_names").Scan(&got)
		}()
		if err == nil && got == names {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("set synchronous_standby_names: %q not in effect (%v): %w", names, err, ctx.Err())
		case <-tick.C:
		}
	}
}

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// startStandby copies primary with pg_basebackup -R into a new directory and
// starts a hot standby on it that streams from primary.
func startStandby(ctx context.Context, primary *Cluster, owner *account) (*Cluster, error) {
	dir, err := os.MkdirTemp("", "pgtest-standby-")
	if err != nil {
		return nil, err
	}
	if owner != nil {
		if err := os.Chown(dir, int(owner.uid), int(owner.gid)); err != nil {
			return nil, errors.Join(err, removeDir(dir))
		}
	}
	conninfo := fmt.Sprintf("host=127.0.0.1 port=%d user=postgres application_name=%s", primary.port, standbyName)
	data := filepath.Join(dir, "data")
	backup := exec.CommandContext(ctx, filepath.Join(primary.bin, "pg_basebackup"),
		"-D", data, "-d", conninfo, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync")
	backup.Dir = dir
	backup.SysProcAttr = primary.attr
	if out, err := backup.CombinedOutput(); err != nil {
		return nil, errors.Join(fmt.Errorf("pg_basebackup: %w\n%s", err, tail(out)), removeDir(dir))
	}
	c := &Cluster{dir: dir, logPath: filepath.Join(dir, "postgres.log"), bin: primary.bin, data: data,
		attr: primary.attr, durable: true,
		// -R wrote standby.signal and a primary_conninfo; this one also
		// names the standby, which synchronous_standby_names matches. The
		// copy of the primary's synchronous_standby_names is overridden:
		// promoted, the standby has no standby to wait for.
		settings: []string{"primary_conninfo=" + conninfo, "hot_standby=on", "synchronous_standby_names="}}
	if err := c.listen(ctx); err != nil {
		return nil, errors.Join(err, removeDir(dir))
	}
	return c, nil
}

// waitSync waits until the primary reports the standby as synchronous.
func (p *Pair) waitSync(ctx context.Context) error {
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		state, err := p.syncState(ctx)
		if err == nil && state == "sync" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("standby not synchronous (state %q, %v): %w\nprimary:\n%s\nstandby:\n%s",
				state, err, ctx.Err(), p.Primary.logTail(), p.Standby.logTail())
		case <-tick.C:
		}
	}
}

// syncState returns the primary's sync_state of the standby, "" when the
// standby is not connected.
func (p *Pair) syncState(ctx context.Context) (string, error) {
	conn, err := pgx.Connect(ctx, p.Primary.adminURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var state string
	err = conn.QueryRow(ctx, `SELECT sync_state FROM pg_stat_replication WHERE application_name = $1`, standbyName).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return state, err
}

// CreateDatabase creates a new, empty database on the primary, as
// Cluster.CreateDatabase does, and returns a multi-host postgres:// URL of
// it that names the primary and then the standby, with
// target_session_attrs=read-write: a client connects to whichever of the
// two accepts writes. The standby has the database once it has replayed
// the primary's log, which a synchronous standby soon does.
func (p *Pair) CreateDatabase(ctx context.Context) (string, error) {
	single, err := p.Primary.CreateDatabase(ctx)
	if err != nil {
		return "", err
	}
	return p.url(single)
}

// url turns the single-host URL of a database on the primary into the
// multi-host URL of CreateDatabase.
func (p *Pair) url(single string) (string, error) {
	u, err := url.Parse(single)
	if err != nil {
		return "", err
	}
	u.Host = "127.0.0.1:" + strconv.Itoa(p.Primary.port) + ",127.0.0.1:" + strconv.Itoa(p.Standby.port)
	q := u.Query()
	q.Set("target_session_attrs", "read-write")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Stop stops both servers and removes their directories.
func (p *Pair) Stop() error {
	return errors.Join(p.Standby.Stop(), p.Primary.Stop())
}

// Port is the TCP port the server listens on (on 127.0.0.1); zero for an
// external server.
func (c *Cluster) Port() int {
	return c.port
}

// Kill ends the server the way the loss of its machine would: SIGKILL to the
// postmaster and to every server process at once, so that no process
// finishes a commit, answers a client or streams more log after it. The
// postmaster is stopped first so that it starts no process meanwhile.
// Restart starts the server again. It is for servers this package started.
func (c *Cluster) Kill() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc == nil || c.stopped {
		return errors.New("kill postgres: not a server this package started")
	}
	select {
	case <-c.exited:
		return errors.New("kill postgres: the server is not running")
	default:
	}
	_ = c.proc.Signal(syscall.SIGSTOP) // best effort: Kill follows at once
	kids := childProcesses(c.proc.Pid)
	if err := c.proc.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill postgres: %w", err)
	}
	for _, pid := range kids {
		_ = syscall.Kill(pid, syscall.SIGKILL) // it may have exited already
	}
	deadline := time.After(stopTimeout)
	select {
	case <-c.exited:
	case <-deadline:
		return fmt.Errorf("kill postgres: postmaster %d did not exit", c.proc.Pid)
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for _, pid := range kids {
		for processAlive(pid) {
			select {
			case <-deadline:
				return fmt.Errorf("kill postgres: server process %d did not exit", pid)
			case <-tick.C:
			}
		}
	}
	return nil
}

// Promote turns a standby into a primary (pg_ctl promote) and waits until
// it accepts writes.
func (c *Cluster) Promote(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.proc == nil || c.stopped {
		return errors.New("promote postgres: not a server this package started")
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startTimeout)
		defer cancel()
	}
	wait := strconv.Itoa(int(startTimeout / time.Second))
	if d, ok := ctx.Deadline(); ok {
		wait = strconv.Itoa(max(1, int(time.Until(d)/time.Second)))
	}
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, "pg_ctl"), "promote", "-D", c.data, "-w", "-t", wait)
	cmd.Dir = c.dir
	cmd.SysProcAttr = c.attr
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("promote postgres: pg_ctl promote: %w\n%s\n%s", err, tail(out), c.logTail())
	}
	return nil
}
