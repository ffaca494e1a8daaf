-- ltv rows are per payment line and per person (its uid, vid or order id), written with the payment:
-- they age like payments, by created_at. The table was created without a TTL, so it kept every person's
-- lifetime value for ever whatever the retention said (and a retention naming it was refused).
{{retain ltv created_at}};
