import ArgumentParser
print("bieb")
