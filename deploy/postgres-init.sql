-- Run once by the postgres image when its volume is first created: the LiteLLM
-- proxy gets a database of its own (its migrations must not touch the app's tables).
CREATE DATABASE litellm OWNER interviewer;
