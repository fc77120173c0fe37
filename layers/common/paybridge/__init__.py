"""paybridge: the domain package shared by every Lambda function (deployed as one layer)."""
