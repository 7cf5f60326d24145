package node_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/node"
)

func TestWebhookSender(t *testing.T) {
	var got map[string]string
	var auth string
	status := http.StatusOK
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(status)
	}))
	defer gw.Close()
	s := node.WebhookSender{URL: gw.URL, Token: "gw-secret"}
	exp := time.Date(2026, 11, 20, 9, 5, 0, 0, time.UTC)
	if err := s.SendOTP(context.Background(), "13800138000", "123456", exp); err != nil {
		t.Fatal(err)
	}
	if got["phone"] != "13800138000" || got["code"] != "123456" || got["expires_at"] != "2026-11-20T09:05:00Z" || auth != "Bearer gw-secret" {
		t.Fatalf("gateway got %v with %q", got, auth)
	}
	status = http.StatusBadGateway
	err := s.SendOTP(context.Background(), "13800138000", "123456", exp)
	if healthcode.ErrorCode(err) != healthcode.EUNAVAILABLE {
		t.Fatalf("refused by the gateway: %v, want unavailable", err)
	}
	gw.Close()
	err = s.SendOTP(context.Background(), "13800138000", "123456", exp)
	if healthcode.ErrorCode(err) != healthcode.EUNAVAILABLE {
		t.Fatalf("gateway down: %v, want unavailable", err)
	}
}
