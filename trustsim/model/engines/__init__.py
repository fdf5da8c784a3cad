"""The engines that hold the customers: one Mesa agent each, or arrays."""
