-- Members' display names as the server knows them (pulled with each membership), so that the
-- member list names people offline. NULL until a pull brings the name.
ALTER TABLE workshop_members ADD COLUMN user_name TEXT;
