-- A presigned upload slot whose link expired without a file arriving is
-- marked 'expired' by the drainer's sweep (which first records any object
-- whose S3 event was lost), so nothing waits for it any longer.
ALTER TABLE upload_slots DROP CONSTRAINT upload_slots_state_check;
ALTER TABLE upload_slots ADD CONSTRAINT upload_slots_state_check
    CHECK (state IN ('issued', 'received', 'rejected', 'expired'));
