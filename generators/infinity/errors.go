package infinity

import "encoding/json"

// errorMessage reads Infinity's {"error": {"message": ...}} and FastAPI's
// {"detail": ...} error bodies.
func errorMessage(b []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
		Detail json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(b, &e) != nil {
		return ""
	}
	if e.Error.Message != "" {
		return e.Error.Message
	}
	if len(e.Detail) > 0 {
		return string(e.Detail)
	}
	return ""
}
