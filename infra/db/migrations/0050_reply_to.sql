-- Where a candidate's reply goes: the recruiter named in the send request, or
-- the user who sent it. NULL: no Reply-To (replies go to the From address).
ALTER TABLE emails
    ADD COLUMN reply_to_address  text CHECK (length(reply_to_address) <= 320),
    ADD COLUMN reply_to_name     text NOT NULL DEFAULT '';
