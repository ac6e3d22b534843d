package schema

import "io"

// ClassifyReader classifies a payload read from r as a stream, in batches
// of about batchBytes (<= 0: DefaultBatchBytes) that SplitPayload cuts by
// the rules every reader of objects follows (plain, gzip or zlib; a JSON
// document over several lines stays whole), so that memory does not grow
// with the payload. Each batch is classified as Classify would classify
// it; the records and unclassified records it hands out may be kept, as
// Classify's. It returns the reader's error, a framing error (a corrupt
// or truncated compressed stream), or Classify's.
func (c *Classifier) ClassifyReader(r io.Reader, in Input, batchBytes int, onRecord func(*Record), onUnclassified func(*Unclassified)) error {
	return SplitPayload(r, batchBytes, func(batch []byte) error {
		return c.Classify(batch, in, onRecord, onUnclassified)
	})
}
