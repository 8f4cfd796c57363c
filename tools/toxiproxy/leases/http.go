package leases

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// Handler serves the lease API under /faultline/:
//
//	PUT    /faultline/leases/{proxy}/toxics/{toxic}  {"holder":"h","ttl_ms":5000}  grant (201) or replace (200)
//	PUT    /faultline/leases/{proxy}/disabled         {"holder":"h","ttl_ms":5000}  the same for a disabled proxy
//	DELETE /faultline/leases/{proxy}/toxics/{toxic}                                 release (204; 404 when none)
//	DELETE /faultline/leases/{proxy}/disabled
//	POST   /faultline/leases/renew                    {"holder":"h"}  -> {"renewed":[...],"lapsed":[...]}
//	GET    /faultline/leases                          -> {"leases":[...],"lapsed":[...]}
//
// Errors are {"error": "...", "status": N}, as Toxiproxy's own API answers them.
func (t *Table) Handler() http.Handler {
	mux := http.NewServeMux()
	subject := func(r *http.Request) Subject {
		return Subject{Proxy: r.PathValue("proxy"), Toxic: r.PathValue("toxic")}
	}
	grant := func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Holder string `json:"holder"`
			TTLMs  int64  `json:"ttl_ms"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeError(w, http.StatusBadRequest, "bad request body: "+err.Error())
			return
		}
		lease, created, err := t.Grant(body.Holder, subject(r), time.Duration(body.TTLMs)*time.Millisecond)
		var refused *GrantError
		if errors.As(err, &refused) {
			writeError(w, refused.Status, refused.Message)
			return
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
		}
		writeJSON(w, status, lease)
	}
	release := func(w http.ResponseWriter, r *http.Request) {
		if !t.Release(subject(r)) {
			writeError(w, http.StatusNotFound, "lease not found")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
	mux.HandleFunc("PUT /faultline/leases/{proxy}/toxics/{toxic}", grant)
	mux.HandleFunc("PUT /faultline/leases/{proxy}/disabled", grant)
	mux.HandleFunc("DELETE /faultline/leases/{proxy}/toxics/{toxic}", release)
	mux.HandleFunc("DELETE /faultline/leases/{proxy}/disabled", release)
	mux.HandleFunc("POST /faultline/leases/renew", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Holder string `json:"holder"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Holder == "" {
			writeError(w, http.StatusBadRequest, "bad request body: want {\"holder\": \"...\"}")
			return
		}
		renewed, lapsed := t.Renew(body.Holder)
		if renewed == nil {
			renewed = []Lease{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"renewed": renewed, "lapsed": lapsed})
	})
	mux.HandleFunc("GET /faultline/leases", func(w http.ResponseWriter, r *http.Request) {
		leases, lapsed := t.List()
		writeJSON(w, http.StatusOK, map[string]any{"leases": leases, "lapsed": lapsed})
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]any{"error": message, "status": status})
}
