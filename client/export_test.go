package client

import (
	"context"
	"time"
)

// SetSleep replaces how c waits between retries.
func SetSleep(c *Client, sleep func(context.Context, time.Duration) error) { c.sleep = sleep }
