package sqlstore

import (
	"context"
	"runtime"
	"strings"
	"sync"
)

// Observer watches the store's transactions: StoreCall is called as one
// begins, for the store method it runs for (such as "FindTenantByID") and
// whether it writes, and returns the context the transaction runs in and
// what to call with its outcome when it ends.
type Observer interface {
	StoreCall(ctx context.Context, call string, write bool) (context.Context, func(error))
}

// Observers is an Observer that tells each of its observers in turn.
type Observers []Observer

// StoreCall tells every observer; see Observer.
func (os Observers) StoreCall(ctx context.Context, call string, write bool) (context.Context, func(error)) {
	ends := make([]func(error), len(os))
	for i, o := range os {
		ctx, ends[i] = o.StoreCall(ctx, call, write)
	}
	return ctx, func(err error) {
		for i := len(ends) - 1; i >= 0; i-- {
			ends[i](err)
		}
	}
}

// callNames names the store methods by the program counter of their call
// to read or write, and keeps each name once found.
type callNames struct{ names sync.Map } // uintptr → string

// caller returns the name of the store method that called read or write.
func (c *callNames) caller() string {
	var pcs [1]uintptr
	if runtime.Callers(3, pcs[:]) == 0 {
		return "unknown"
	}
	if name, ok := c.names.Load(pcs[0]); ok {
		return name.(string)
	}
	frame, _ := runtime.CallersFrames(pcs[:]).Next()
	name := frame.Function
	if i := strings.LastIndex(name, "."); i >= 0 {
		name = name[i+1:]
	}
	// A closure of a method: name the method.
	for strings.HasPrefix(name, "func") && frame.Function != "" {
		f := strings.TrimSuffix(frame.Function, "."+name)
		if i := strings.LastIndex(f, "."); i >= 0 {
			name = f[i+1:]
		} else {
			break
		}
	}
	c.names.Store(pcs[0], name)
	return name
}
