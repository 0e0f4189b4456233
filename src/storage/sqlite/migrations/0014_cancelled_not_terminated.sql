-- A process ended by its own cancel_process, terminate or kill_process is `cancelled`, as one
-- cancelled through the API is (Ruote cancels the process either way; the contract's statuses are
-- running, completed, cancelled and error). Earlier versions called it `terminated`.
UPDATE processes SET status = 'cancelled' WHERE status = 'terminated';
