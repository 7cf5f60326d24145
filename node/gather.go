package node

import "context"

// gather is the gathering of group commit and of gathered reads: it waits
// for the first request on ch, then takes what else ch holds at once until
// the gathering weighs limit (each request by weight). It appends to
// batch[:0] and returns the gathering and its weight; ok is false when ctx
// ended before a first request came.
func gather[T any](ctx context.Context, ch <-chan T, batch []T, limit int, weight func(T) int) (out []T, total int, ok bool) {
	out = batch[:0]
	select {
	case r := <-ch:
		out, total = append(out, r), weight(r)
	case <-ctx.Done():
		return out, 0, false
	}
	out, total = gatherMore(ch, out, total, limit, weight)
	return out, total, true
}

// gatherMore appends to a gathering of weight total what ch holds at once,
// until the gathering weighs limit.
func gatherMore[T any](ch <-chan T, out []T, total, limit int, weight func(T) int) ([]T, int) {
	for total < limit {
		select {
		case r := <-ch:
			out, total = append(out, r), total+weight(r)
		default:
			return out, total
		}
	}
	return out, total
}
