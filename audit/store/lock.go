package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// LockFile is the file in a run directory that a process writing the run
// holds an OS lock on (flock): the kernel releases it when the process
// ends, however it ends, so a killed run never leaves its directory locked.
const LockFile = ".blindspot.lock"

// ErrInUse is returned when another process holds a run directory.
var ErrInUse = errors.New("run in use")

// DirLock is a held run-directory lock.
type DirLock struct{ f *os.File }

// LockDir takes the lock of a run directory (which must exist) for what
// ("run", "report", ...). It fails at once, with ErrInUse and the holder's
// pid, command and start time, when another process holds it.
func LockDir(dir, what string) (*DirLock, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking the run directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		// The holder writes who it is just after it takes the lock.
		holder, _ := os.ReadFile(path)
		for i := 0; i < 20 && len(holder) == 0; i++ {
			time.Sleep(10 * time.Millisecond)
			holder, _ = os.ReadFile(path)
		}
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			who := strings.TrimSpace(string(holder))
			if who == "" {
				who = "another process"
			}
			return nil, fmt.Errorf("%w: run %s is in use by %s; wait for it to finish or stop it, then try again", ErrInUse, dir, who)
		}
		return nil, fmt.Errorf("locking the run directory: %w", err)
	}
	// The holder's description, for whoever is refused.
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "pid %d (blindspot %s) since %s", os.Getpid(), what, time.Now().UTC().Format(time.RFC3339))
		f.Sync()
	}
	return &DirLock{f: f}, nil
}

// Unlock releases the lock; the file stays.
func (l *DirLock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
