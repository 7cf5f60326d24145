package node

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

// OTPSender delivers a one-time password to a phone.
type OTPSender interface {
	SendOTP(ctx context.Context, phone, code string, expiresAt time.Time) error
}

// LogSender writes the password to the log instead of sending it. It is for
// --dev only: a production node must be given a real gateway.
type LogSender struct{ Logger *slog.Logger }

func (s LogSender) SendOTP(ctx context.Context, phone, code string, expiresAt time.Time) error {
	s.Logger.WarnContext(ctx, "dev: one-time password not sent, logged instead",
		"phone", idnum.MaskPhone(phone), "otp", code, "expires_at", expiresAt)
	return nil
}

// WebhookSender posts the password as JSON to an SMS gateway:
//
//	{"phone": "13800138000", "code": "123456", "expires_at": "…", "message": "…"}
//
// A non-2xx answer is a failure.
type WebhookSender struct {
	URL    string
	Token  string // sent as "Authorization: Bearer …" when set
	Client *http.Client
}

func (s WebhookSender) SendOTP(ctx context.Context, phone, code string, expiresAt time.Time) error {
	body, _ := json.Marshal(map[string]string{
		"phone":      phone,
		"code":       code,
		"expires_at": expiresAt.UTC().Format(time.RFC3339),
		"message":    fmt.Sprintf("【健康码】验证码 %s，5分钟内有效。Your Healthcode password is %s.", code, code),
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if s.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.Token)
	}
	client := s.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the SMS gateway cannot be reached", Err: err}
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the SMS gateway refused the message",
			Err: fmt.Errorf("webhook answered %s", resp.Status)}
	}
	return nil
}
