"""The capstone brief: a trainee's write-up of a coached engagement, its file and its scoring."""
